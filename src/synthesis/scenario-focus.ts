// Steers scenario generation towards breadth: a fixed vocabulary of categories, a few of which
// each request is asked to focus on, and few-shot examples drawn from the seeds that a database
// plus tools can simulate well, spread over their categories. Both rotate with a number the stage
// derives from its progress, never from a random source, so the requests are reproducible.

export interface CategoryGroup {
  /** The category name scenarios carry, e.g. `e-commerce`. */
  readonly category: string;
  /** What belongs in it, for the prompt. */
  readonly covers: string;
}

export const CATEGORY_GROUPS: readonly CategoryGroup[] = [
  { category: 'e-commerce', covers: 'online shops, marketplaces, auctions, second-hand and rental of goods' },
  { category: 'booking', covers: 'reservations, travel, lodging, tickets, appointments' },
  { category: 'social', covers: 'communities, forums, professional networks, dating, photo sharing' },
  { category: 'productivity', covers: 'projects, tasks, notes, documents, team collaboration, workflow automation' },
  { category: 'finance', covers: 'banking, budgeting, investing, payments, invoicing, crypto wallets' },
  { category: 'subscriptions', covers: 'memberships, loyalty programmes, digital content plans' },
  { category: 'inventory', covers: 'catalogues, warehouses, stock control, asset tracking' },
  { category: 'customer-support', covers: 'help desks, ticketing, live chat, messaging' },
  { category: 'curation', covers: 'lists, bookmarks, collections, wish lists, reading lists' },
  { category: 'scheduling', covers: 'calendars, events, shifts, room and equipment booking' },
  { category: 'forms', covers: 'surveys, feedback, applications, registrations for programmes' },
  { category: 'healthcare', covers: 'clinics, telehealth, patient portals, pharmacies, labs' },
  { category: 'education', covers: 'courses, learning platforms, tutoring, school administration' },
  { category: 'real-estate', covers: 'listings, rentals, property and tenant management' },
  { category: 'hr', covers: 'recruiting, job boards, applicant tracking, payroll, time off' },
  { category: 'legal', covers: 'contracts, e-signature, compliance, case management' },
  { category: 'logistics', covers: 'shipping, fleets, delivery tracking, freight' },
  { category: 'food', covers: 'restaurants, food ordering, menus, recipes, kitchen operations' },
  { category: 'entertainment', covers: 'streaming, music, games, virtual goods, events' },
  { category: 'smart-home', covers: 'connected devices, home automation, energy monitoring' },
  { category: 'fitness', covers: 'workouts, gyms, classes, nutrition tracking' },
  { category: 'pets', covers: 'pet care, veterinary practices, pet sitting, pet supplies' },
  { category: 'automotive', covers: 'dealerships, car rental, servicing, parts' },
  { category: 'nonprofit', covers: 'donations, fundraising, volunteering' },
  { category: 'developer-tools', covers: 'code hosting, issue trackers, CI, package registries, monitoring' },
  { category: 'media', covers: 'news, blogs, podcasts, publishing, newsletters' },
  { category: 'public-services', covers: 'permits, libraries, civic requests, utilities' },
];

/** The vocabulary as prompt lines: `- e-commerce: online shops, …`. */
export function formatCategoryGroups(groups: readonly CategoryGroup[] = CATEGORY_GROUPS): string {
  return groups.map((group) => `- ${group.category}: ${group.covers}`).join('\n');
}

/** `count` consecutive groups starting at `rotation` (wrapping), so successive requests cover the list. */
export function focusGroups(rotation: number, count = 3): CategoryGroup[] {
  const size = CATEGORY_GROUPS.length;
  return Array.from(
    { length: Math.min(count, size) },
    (_unused, offset) => CATEGORY_GROUPS[(rotation * count + offset) % size]!,
  );
}

export type Suitability = 'high' | 'medium' | 'low';

export interface ClassifiedSeed {
  readonly name: string;
  readonly description: string;
  readonly categories: readonly string[];
  readonly suitability: Suitability;
  readonly features: readonly string[];
}

/**
 * Up to `count` examples, preferring high-suitability seeds (medium, then any, when there are
 * none), one per primary category in turn; `rotation` shifts both the category order and the pick
 * within each category, so each request sees a different spread.
 */
export function pickFewShot(seeds: readonly ClassifiedSeed[], count: number, rotation: number): ClassifiedSeed[] {
  const pool = preferredPool(seeds);
  const byCategory = new Map<string, ClassifiedSeed[]>();
  for (const seed of pool) {
    const primary = (seed.categories[0] ?? 'other').toLowerCase();
    byCategory.set(primary, [...(byCategory.get(primary) ?? []), seed]);
  }
  const categories = [...byCategory.values()];
  const picked: ClassifiedSeed[] = [];
  for (let round = 0; picked.length < Math.min(count, pool.length); round += 1) {
    for (let step = 0; step < categories.length && picked.length < count; step += 1) {
      const members = categories[(rotation + step) % categories.length]!;
      if (round < members.length) picked.push(members[(rotation + round) % members.length]!);
    }
  }
  return picked;
}

function preferredPool(seeds: readonly ClassifiedSeed[]): readonly ClassifiedSeed[] {
  for (const level of ['high', 'medium'] as const) {
    const matching = seeds.filter((seed) => seed.suitability === level);
    if (matching.length > 0) return matching;
  }
  return seeds;
}
