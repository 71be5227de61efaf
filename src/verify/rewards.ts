// The reward of a verified run. A verdict maps to a number through the reward table; anything that
// kept a verdict from being reached (a verifier, fact gatherer or judge that failed, a database
// missing) has no reward at all — `null`, never 0 — and neither has a run the environment failed
// (`server_error`): an infrastructure failure must not teach the policy anything.
import { err, ok, unreachable, type Result } from '../util/result.js';

/** What the code verifier says (complete | others) and what the judge says (all four). */
export type VerdictName = 'complete' | 'others' | 'incomplete' | 'agent_error' | 'server_error';

/** Why no verdict was reached: each makes the run unscorable. */
export type UnscorableCode =
  | 'missing_database'
  | 'verifier_error'
  | 'fact_gatherer_error'
  | 'judge_error'
  /** The verifier's sandbox failed (a crashed child): nobody's verdict, nobody's fault. */
  | 'sandbox_error';

export type RewardReason = VerdictName | UnscorableCode;

export interface RewardTable {
  readonly complete: number;
  readonly incomplete: number;
  readonly agent_error: number;
  /** Everything else that is a verdict: code mode's `others`. */
  readonly others: number;
}

/** OpenEnv's defaults for AWM; an agent's mistakes earn what any other failure earns. */
export const DEFAULT_REWARDS: RewardTable = { complete: 1, incomplete: 0.1, agent_error: 0, others: 0 };

export interface Reward {
  readonly reward: number | null;
  readonly reason: RewardReason;
}

export function rewardFor(reason: RewardReason, table: RewardTable): Reward {
  switch (reason) {
    case 'complete':
    case 'incomplete':
    case 'agent_error':
    case 'others':
      return { reward: table[reason], reason };
    case 'server_error':
    case 'missing_database':
    case 'verifier_error':
    case 'fact_gatherer_error':
    case 'judge_error':
    case 'sandbox_error':
      return { reward: null, reason };
    default:
      return unreachable(reason, 'reward reason');
  }
}

const SETTABLE: readonly (keyof RewardTable)[] = ['complete', 'incomplete', 'agent_error', 'others'];

/**
 * `complete=1,incomplete=0.1,others=0`: each key given replaces its default; `agent_error` follows
 * `others` unless given itself. Every problem is reported at once.
 */
export function parseRewards(text: string): Result<RewardTable, string[]> {
  const given = new Map<keyof RewardTable, number>();
  const problems: string[] = [];
  for (const part of text.split(',').map((piece) => piece.trim())) {
    if (part === '') continue;
    const match = /^([a-z_]+)\s*=\s*(.+)$/.exec(part);
    if (!match) {
      problems.push(`"${part}" is not KEY=NUMBER`);
      continue;
    }
    const [, key, value] = match as unknown as [string, string, string];
    const number = Number(value);
    if (key === 'server_error') problems.push('server_error is never scored (its reward is always null)');
    else if (!SETTABLE.includes(key as keyof RewardTable))
      problems.push(`unknown reward "${key}" (the rewards: ${SETTABLE.join(', ')})`);
    else if (value.trim() === '' || !Number.isFinite(number)) problems.push(`${key}=${value}: not a number`);
    else if (given.has(key as keyof RewardTable)) problems.push(`${key} is given twice`);
    else given.set(key as keyof RewardTable, number);
  }
  if (problems.length > 0) return err(problems);
  const others = given.get('others') ?? DEFAULT_REWARDS.others;
  return ok({
    complete: given.get('complete') ?? DEFAULT_REWARDS.complete,
    incomplete: given.get('incomplete') ?? DEFAULT_REWARDS.incomplete,
    agent_error: given.get('agent_error') ?? (given.has('others') ? others : DEFAULT_REWARDS.agent_error),
    others,
  });
}
