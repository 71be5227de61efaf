// An episode's rewards, as OpenEnv's AWM port takes them at reset (`reward_config`): the verdicts'
// numbers (complete, incomplete, agent_error, others) and `format_error`, what a malformed call
// costs per step (an unknown tool, invalid arguments). Unknown keys are reported, not fatal, as the
// port's `reset_warning`; `server_error` and the unscorable reasons never get a number.
import { DEFAULT_REWARDS, type RewardTable } from '../verify/rewards.js';
import { err, ok, type Result } from '../util/result.js';

export interface EpisodeRewards {
  readonly verdicts: RewardTable;
  /** The step reward of a call the port classes tool_not_found or invalid_args. */
  readonly formatError: number;
}

/** The port's defaults: complete 1, incomplete 0.1, format_error -1, the rest 0. */
export const DEFAULT_EPISODE_REWARDS: EpisodeRewards = { verdicts: DEFAULT_REWARDS, formatError: -1 };

const VERDICT_KEYS = ['complete', 'incomplete', 'agent_error', 'others'] as const;

/** The rewards a `reward_config` gives (absent: the defaults), with the keys it ignored; or why it is unusable. */
export function episodeRewards(
  value: unknown,
): Result<{ readonly rewards: EpisodeRewards; readonly ignored: readonly string[] }, string> {
  if (value === undefined || value === null) return ok({ rewards: DEFAULT_EPISODE_REWARDS, ignored: [] });
  if (typeof value !== 'object' || Array.isArray(value))
    return err('reward_config is an object of numbers, such as {"complete": 1, "incomplete": 0.1, "format_error": -1}');
  const verdicts: Record<string, number> = { ...DEFAULT_REWARDS };
  let formatError = DEFAULT_EPISODE_REWARDS.formatError;
  let agentErrorGiven = false;
  const ignored: string[] = [];
  for (const [key, given] of Object.entries(value as Record<string, unknown>)) {
    if (typeof given !== 'number' || !Number.isFinite(given))
      return err(`reward_config.${key} must be a number, not ${JSON.stringify(given)}`);
    if (key === 'format_error') formatError = given;
    else if ((VERDICT_KEYS as readonly string[]).includes(key)) {
      verdicts[key] = given;
      if (key === 'agent_error') agentErrorGiven = true;
    } else ignored.push(key);
  }
  // As `awm verify --rewards`: agent_error follows others unless given itself.
  if (!agentErrorGiven) verdicts['agent_error'] = verdicts['others']!;
  return ok({ rewards: { verdicts: verdicts as unknown as RewardTable, formatError }, ignored });
}

export function describeIgnored(ignored: readonly string[]): string | null {
  if (ignored.length === 0) return null;
  return `reward_config keys ignored: ${ignored.join(', ')} (awm scores ${VERDICT_KEYS.join(', ')} and format_error; server_error and the unscorable reasons have no reward)`;
}
