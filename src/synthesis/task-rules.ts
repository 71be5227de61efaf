// What makes a task text acceptable on its own: one self-contained sentence, and nothing about
// accounts or authentication (the agent is always already signed in as user 1).

/** Abbreviations whose full stop does not end a sentence. */
const ABBREVIATIONS =
  /\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Ave|Rd|Blvd|Mt|No|Inc|Ltd|Co|Corp|vs|etc|approx|dept|est|e\.g|i\.e|a\.m|p\.m|U\.S|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.$/i;
// Only unmistakable words: "open a new savings account", "sign up for the yoga class", "register
// for the workshop" and an e-signature's "recipient authentication" are business, not sign-in.
const AUTH = new RegExp(
  [
    String.raw`\blog ?(?:in|out)\b`,
    String.raw`\bsign ?(?:in|out)\b`,
    String.raw`\bsign ?up\b(?!\s+(?:for|to)\s+(?!(?:an?\s+|my\s+)?(?:new\s+)?(?:user\s+)?account\b))`,
    String.raw`\bpass(?:word|code|phrase)s?\b`,
    String.raw`\b(?:two[- ]factor|2fa|mfa)\b`,
    String.raw`\b(?:create|register)\s+(?:a\s+new\s+|an?\s+|my\s+)?user\s+account\b`,
  ].join('|'),
  'i',
);

/** Problems with one task's text, in words (empty when it is fine). */
export function taskTextProblems(text: string): string[] {
  const problems: string[] = [];
  const sentences = sentenceCount(text);
  if (sentences > 1) problems.push(`is ${sentences} sentences; write it as one sentence`);
  const auth = AUTH.exec(text);
  if (auth)
    problems.push(`is about accounts or authentication ("${auth[0]}"); the user is already signed in as user 1`);
  return problems;
}

/**
 * Sentences in `text`, by terminators followed by a capital, outside quoted titles and ignoring
 * abbreviations and decimals. A heuristic: it errs towards one, so a good task is never refused.
 */
export function sentenceCount(text: string): number {
  if (/\n\s*\S/.test(text.trim())) return 2;
  const unquoted = text.replace(/"[^"]*"|“[^”]*”|(^|[\s(])'[^']*'(?=[\s.,;:!?)]|$)/g, '$1""');
  let count = 1;
  for (const match of unquoted.matchAll(/[.!?]+(?=\s+["'“(]?[A-Z0-9])/g)) {
    const before = unquoted.slice(0, (match.index ?? 0) + match[0].length);
    if (!ABBREVIATIONS.test(before)) count += 1;
  }
  return count;
}

/** Equal up to case, spacing and punctuation: the same task asked twice. */
export function normalizeTaskText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
