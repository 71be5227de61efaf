// One episode: a session of its scenario's pool (its own database, copied from initial.db), the
// task it was created for, and every tool call made in it, in order, for GET, the verifier's
// trajectory and the kept run folder.
//
//   active ──call (one at a time per session, in EnvSessions)──▶ active
//   active ──DELETE / idle past the TTL / server shutdown──▶ closing ──session closed──▶ closed
import { performance } from 'node:perf_hooks';
import { callFailed, type CallOutcome } from '../env/call-outcome.js';
import type { SessionId } from '../env/sessions.js';
import { DEFAULT_EPISODE_REWARDS, type EpisodeRewards } from './reward-config.js';
import type { ScenarioPool } from './scenario-pool.js';
import type { ServableTask } from './servable-scenario.js';

/** Tool names an agent never sees nor calls on the episode's MCP endpoint (SERVING.md §6.1). */
export const RESERVED_TOOL_NAMES: ReadonlySet<string> = new Set(['verify', 'done', '__list_scenarios__']);

export interface EpisodeCall {
  readonly tool: string;
  readonly arguments: unknown;
  readonly outcome: CallOutcome;
  readonly ms: number;
  readonly at: string;
}

/** A verification's answer: 200 with a verdict or an unscorable reason, 409 when nothing could run. */
export interface VerifyAnswer {
  readonly status: 200 | 409;
  readonly body: Record<string, unknown> & { readonly reward: number | null; readonly reward_reason: string };
}

export type EpisodeState = 'active' | 'closing' | 'closed';

export class Episode {
  #state: EpisodeState = 'active';
  #lastActivity: number;
  readonly #calls: EpisodeCall[] = [];
  /** The last verification and the calls it saw, which `done` reuses when nothing was called since. */
  lastVerified: { readonly calls: number; readonly key: string; readonly answer: VerifyAnswer } | null = null;

  constructor(
    readonly id: SessionId,
    readonly pool: ScenarioPool,
    readonly task: ServableTask | null,
    readonly createdAt: Date,
    private readonly clock: () => Date,
    readonly rewards: EpisodeRewards = DEFAULT_EPISODE_REWARDS,
  ) {
    this.#lastActivity = createdAt.getTime();
  }

  get state(): EpisodeState {
    return this.#state;
  }

  get calls(): readonly EpisodeCall[] {
    return this.#calls;
  }

  get scenario(): string {
    return this.pool.scenario.scenario;
  }

  /** Milliseconds since the last request that touched this episode. */
  idleMs(now: Date): number {
    return now.getTime() - this.#lastActivity;
  }

  touch(): void {
    this.#lastActivity = this.clock().getTime();
  }

  /** Marks it closing; false when it was closing or closed already (someone else closes it). */
  beginClose(): boolean {
    if (this.#state !== 'active') return false;
    this.#state = 'closing';
    return true;
  }

  markClosed(): void {
    this.#state = 'closed';
  }

  async callTool(name: string, args: unknown): Promise<EpisodeCall> {
    this.touch();
    const started = performance.now();
    const at = this.clock().toISOString();
    const outcome: CallOutcome = RESERVED_TOOL_NAMES.has(name)
      ? callFailed(
          'unknown_tool',
          `there is no tool "${name}" here: verifying and ending an episode are for its trainer, not its agent`,
        )
      : await this.pool.sessions.callTool(this.id, name, args);
    const call = { tool: name, arguments: args, outcome, ms: performance.now() - started, at };
    this.#calls.push(call);
    this.touch();
    return call;
  }
}
