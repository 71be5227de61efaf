// The reference's tasks carry no kind; ours do (question | create | update | delete). We infer it
// from the wording: the earliest action word decides, so "Create … and return its id" is a create
// and "Find … then cancel it" a question. Cancelling, voiding and refunding change a record's state
// and count as updates; only words that take a record away count as delete.
import type { TaskKind } from '../synthesis/artifacts.js';

const WORDS: readonly [TaskKind, RegExp][] = [
  ['delete', /\b(?:delete|remove|unassign|discard|purge|erase|unfollow|unsubscribe|take down|clear)\b/i],
  [
    'create',
    /\b(?:create|add|register|book|post|submit|upload|send|open|place|make|record|log|issue|invite|apply|donate|gift|purchase|buy|request|generate|ingest|simulate|schedule|design|write|enroll|append|attach|leave|start)\b/i,
  ],
  [
    'update',
    /\b(?:update|change|set|edit|modify|rename|mark|move|reschedule|assign|reassign|approve|reject|accept|decline|confirm|complete|increase|decrease|adjust|replace|pause|resume|enable|disable|publish|transfer|configure|cancel|void|refund|archive|restore|put|batch|link|flag|close|reopen|deactivate|activate|revoke|withdraw)\b/i,
  ],
  [
    'question',
    /\b(?:how many|how much|what|which|who|when|where|list|find|show|tell|report|count|give me|retrieve|look up|search|fetch|get|filter|check|compare|summarize|identify|return)\b/i,
  ],
];

/** The kind a task's wording suggests; `question` when no action word is found. */
export function inferTaskKind(text: string): TaskKind {
  let best: { kind: TaskKind; at: number } = { kind: 'question', at: Number.POSITIVE_INFINITY };
  for (const [kind, pattern] of WORDS) {
    const at = pattern.exec(text)?.index;
    if (at !== undefined && at < best.at) best = { kind, at };
  }
  return best.kind;
}
