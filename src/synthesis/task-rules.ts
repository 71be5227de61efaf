// What makes a task text acceptable on its own: one self-contained sentence, and nothing about
// accounts or authentication (the agent is always already signed in as user 1). Both are
// heuristics that err towards accepting: a good task must never be refused.

/** Abbreviations whose full stop does not end a sentence (weekdays and months included). */
const ABBREVIATIONS =
  /\b(?:Mr|Mrs|Ms|Dr|Prof|Sr|Jr|St|Ave|Rd|Blvd|Mt|No|Inc|Ltd|Co|Corp|vs|etc|approx|dept|est|e\.g|i\.e|a\.m|p\.m|U\.S|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.$/i;
/** A person's initial: "Ursula K. Le Guin", "J. R. Smith". */
const INITIAL = /(?:^|[\s(])[A-Z]\.$/;

// "log in", "sign out" are about sessions only when nothing of the domain follows: "Log in to my
// account" is, "Log in 3 volunteer hours" and "Sign out the cordless drill" are not.
const SESSION_VERB = String.raw`\b(?:log ?(?:in|out)|sign ?(?:in|out))\b(?=\s*$|\s*[.,;:!?]|\s+(?:to|into|of|from|with|as|using|on|at|again|everywhere|and|then|first|now|me|my\s+account)\b)`;
const AUTH = new RegExp(
  [
    SESSION_VERB,
    String.raw`\bsign ?up\b(?!\s+(?:for|to)\s+(?!(?:an?\s+|my\s+)?(?:new\s+)?(?:user\s+)?account\b))`,
    String.raw`\bpass(?:word|code|phrase)s?\b`,
    String.raw`\b(?:two[- ]factor|2fa|mfa)\b`,
    String.raw`\b(?:create|register)\s+(?:a\s+new\s+|an?\s+|my\s+)?user\s+account\b`,
  ].join('|'),
  'i',
);
/** A password of a thing rather than of the user's account: "the Wi-Fi password on my guest network". */
const THING_WITH_PASSWORD =
  /\b(?:wi-?fi|wireless|network|router|hotspot|door|gate|garage|locker|alarm|safe|keypad|voicemail|pdf|file|document|archive|zip|guest)\b/i;

/** Problems with one task's text, in words (empty when it is fine). */
export function taskTextProblems(text: string): string[] {
  const problems: string[] = [];
  const sentences = sentenceCount(text);
  if (sentences > 1) problems.push(`is ${sentences} sentences; write it as one sentence`);
  const auth = authWording(text);
  if (auth !== null)
    problems.push(`is about accounts or authentication ("${auth}"); the user is already signed in as user 1`);
  return problems;
}

function authWording(text: string): string | null {
  const pattern = new RegExp(AUTH.source, 'gi');
  for (const match of text.matchAll(pattern)) {
    const isPassword = /^pass/i.test(match[0]);
    if (isPassword && THING_WITH_PASSWORD.test(surroundings(text, match.index ?? 0, match[0].length))) continue;
    return match[0];
  }
  return null;
}

/** The words of the clause around a match (up to 40 characters each side, not past , ; or .). */
function surroundings(text: string, start: number, length: number): string {
  const before =
    text
      .slice(Math.max(0, start - 40), start)
      .split(/[,;.](?=\s)/)
      .pop() ?? '';
  const after = text.slice(start + length, start + length + 40).split(/[,;.](?=\s)/)[0] ?? '';
  return `${before} ${after}`;
}

/**
 * Sentences in `text`, by terminators followed by a capital, outside quoted titles and ignoring
 * abbreviations, initials and decimals. A heuristic: it errs towards one, so a good task is never refused.
 */
export function sentenceCount(text: string): number {
  if (/\n\s*\S/.test(text.trim())) return 2;
  const unquoted = text.replace(/"[^"]*"|“[^”]*”|(^|[\s(])'[^']*'(?=[\s.,;:!?)]|$)/g, '$1""');
  let count = 1;
  for (const match of unquoted.matchAll(/[.!?]+(?=\s+["'“(]?[A-Z0-9])/g)) {
    const before = unquoted.slice(0, (match.index ?? 0) + match[0].length);
    if (!ABBREVIATIONS.test(before) && !INITIAL.test(before)) count += 1;
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

/** Words in a task, as a person counts them ("$185.00" and "2026-03-10" are one word each). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => /[A-Za-z0-9]/.test(word)).length;
}
