// The open episodes of the server and what can be done to one, whatever the route it came by (REST
// or the OpenEnv WebSocket): open one within capacity, verify it, close it (kept as a run folder
// when asked), reap the idle. Answers are values (codes and fields); the routes turn them into
// HTTP answers or WebSocket frames.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { SessionId } from '../env/sessions.js';
import type { LlmSession } from '../llm/types.js';
import type { SandboxRunner } from '../sandbox/run-sandboxed.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { err, ok, type Result } from '../util/result.js';
import { readTrajectory } from '../verify/run-folder.js';
import { writeVerifyResult, type VerifyMode, type VerifyResult } from '../verify/verify-result.js';
import { verifyRun } from '../verify/verify-run.js';
import { Episode, type EpisodeCall, type VerifyAnswer } from './episode.js';
import { episodeTrajectory } from './episode-trajectory.js';
import { DEFAULT_EPISODE_REWARDS, type EpisodeRewards } from './reward-config.js';
import type { ScenarioPool } from './scenario-pool.js';
import type { ServableTask } from './servable-scenario.js';
import type { CloseReason, ServeMetrics } from './serve-metrics.js';

export interface ScenarioEntry {
  readonly pool: ScenarioPool;
  readonly listing: readonly Tool[];
}

export interface RegistryOptions {
  readonly maxEpisodes: number;
  readonly idleTtlMs: number;
  readonly keepDir: string;
  readonly sandbox: SandboxRunner;
  readonly clock: () => Date;
  readonly mcpUrl: (id: string) => string;
  /** sql mode's judge (a session for a scenario), or why there is none (no LLM configured, say). */
  readonly judge?: ((scenario: string) => LlmSession) | string;
  readonly onEvent?: (event: Record<string, unknown>) => void;
}

/** Why an episode was not opened: an HTTP status, a code for machines (OpenEnv's where it has one), the words. */
export interface OpenProblem {
  readonly status: 400 | 404 | 503;
  readonly code: 'VALIDATION_ERROR' | 'SCENARIO_NOT_FOUND' | 'TASK_NOT_FOUND' | 'CAPACITY_REACHED' | 'SHUTTING_DOWN';
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

export class EpisodeRegistry {
  readonly #episodes = new Map<string, Episode>();
  #creating = 0;
  #admitting = true;
  /** Episodes a WebSocket drives now; and those whose socket dropped, each with its grace timer. */
  readonly #attached = new Set<string>();
  readonly #detached = new Map<string, NodeJS.Timeout>();
  /** Called whenever an episode leaves the map (a drain waits on it). */
  #onClosed: (() => void) | null = null;

  constructor(
    readonly scenarios: ReadonlyMap<string, ScenarioEntry>,
    readonly options: RegistryOptions,
    readonly metrics: ServeMetrics,
  ) {
    metrics.maxEpisodes.set(options.maxEpisodes);
  }

  get size(): number {
    return this.#episodes.size;
  }

  /** Open episodes plus those being created: each holds a slot. */
  get occupied(): number {
    return this.#episodes.size + this.#creating;
  }

  get(id: string): Episode | undefined {
    const episode = this.#episodes.get(id);
    return episode?.state === 'active' ? episode : undefined;
  }

  /** From now on every open is refused with SHUTTING_DOWN (a drain); open episodes carry on. */
  stopAdmitting(): void {
    this.#admitting = false;
  }

  get admitting(): boolean {
    return this.#admitting;
  }

  /** Resolves when no episode is open (or being opened), or after `timeoutMs`; true when none is. */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.occupied > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 1000));
        this.#onClosed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#onClosed = null;
    }
    return true;
  }

  /** Whether sql mode can be verified here (an LLM judge was configured). */
  get hasJudge(): boolean {
    return typeof this.options.judge === 'function';
  }

  /** A socket drives the episode now (its reset, or a resume). */
  attach(episode: Episode): void {
    this.#attached.add(episode.id);
  }

  /**
   * The episode's socket dropped: the episode lives on for `graceMs` (idle, but open) for its
   * client to re-attach with `reset(resume_episode_id)`; then it is closed. 0 closes it now.
   */
  async detach(episode: Episode, graceMs: number): Promise<void> {
    this.#attached.delete(episode.id);
    if (graceMs <= 0 || episode.state !== 'active') {
      await this.close(episode, 'disconnected');
      return;
    }
    const timer = setTimeout(() => void this.close(episode, 'disconnected'), graceMs);
    timer.unref();
    this.#detached.set(episode.id, timer);
    this.options.onEvent?.({ event: 'episode-detached', episode_id: episode.id, grace_ms: graceMs });
  }

  /** A dropped socket's episode, taken up by a new socket; or why it cannot be. */
  reattach(id: unknown): Result<Episode, string> {
    if (typeof id !== 'string' || id === '') return err('"resume_episode_id" must be an episode id');
    const episode = this.get(id);
    if (episode === undefined)
      return err(`there is no open episode ${id} (closed, or its socket dropped longer ago than the grace period)`);
    if (this.#attached.has(id)) return err(`episode ${id} is driven by another connection`);
    const timer = this.#detached.get(id);
    if (timer !== undefined) clearTimeout(timer);
    this.#detached.delete(id);
    this.#attached.add(id);
    episode.touch();
    this.options.onEvent?.({ event: 'episode-reattached', episode_id: id });
    return ok(episode);
  }

  /** Episodes whose socket dropped and that wait to be re-attached. */
  get detachedCount(): number {
    return this.#detached.size;
  }

  capacityProblem(): OpenProblem | null {
    if (!this.#admitting)
      return {
        status: 503,
        code: 'SHUTTING_DOWN',
        message: 'the server is draining (shutting down): it admits no new episode; open another elsewhere',
      };
    const active = this.occupied;
    const max = this.options.maxEpisodes;
    if (active < max) return null;
    return {
      status: 503,
      code: 'CAPACITY_REACHED',
      message: `the server holds ${active} of ${max} episodes`,
      details: { active_sessions: active, max_sessions: max },
    };
  }

  async open(
    scenario: unknown,
    taskKey: unknown,
    rewards: EpisodeRewards = DEFAULT_EPISODE_REWARDS,
  ): Promise<Result<Episode, OpenProblem>> {
    const found = this.#find(scenario, taskKey);
    if (!found.ok) return found;
    const full = this.capacityProblem();
    if (full !== null) {
      this.metrics.episodesRefused.inc();
      return err(full);
    }
    const { pool, task } = found.value;
    this.#creating += 1;
    let id: SessionId;
    try {
      id = await pool.sessions.createSession(randomUUID());
    } finally {
      this.#creating -= 1;
    }
    const episode = new Episode(id, pool, task, this.options.clock(), this.options.clock, rewards);
    this.#episodes.set(id, episode);
    this.metrics.episodesCreated.inc({ scenario: pool.scenario.scenario });
    this.metrics.activeEpisodes.set(this.#episodes.size);
    this.options.onEvent?.({
      event: 'episode-created',
      episode_id: id,
      scenario: episode.scenario,
      task_id: task?.id ?? null,
    });
    return ok(episode);
  }

  readonly recordCall = (episode: Episode, call: EpisodeCall): void => {
    const outcome = call.outcome.ok ? 'ok' : call.outcome.error.code;
    this.metrics.toolCalls.inc({ scenario: episode.scenario, outcome });
    this.metrics.toolCallSeconds.observe({ scenario: episode.scenario }, call.ms / 1000);
  };

  /**
   * The task's verifier on (initial.db, a consistent copy of the episode's database now): its code
   * (mode code), or its facts with the LLM judge's verdict (mode sql).
   */
  async verify(
    episode: Episode,
    answer: string | null,
    mode: VerifyMode = 'code',
    options: { readonly reuse?: boolean } = {},
  ): Promise<VerifyAnswer> {
    const key = JSON.stringify([mode, answer]);
    const last = episode.lastVerified;
    // `done` after a verify with no call since: that verdict stands (the judge is not asked twice).
    if (options.reuse === true && last !== null && last.calls === episode.calls.length && last.key === key)
      return last.answer;
    const verified = await this.#verify(episode, answer, mode);
    episode.lastVerified = { calls: episode.calls.length, key, answer: verified };
    return verified;
  }

  async #verify(episode: Episode, answer: string | null, mode: VerifyMode): Promise<VerifyAnswer> {
    episode.touch();
    const task = episode.task;
    if (task === null)
      return {
        status: 409,
        body: unscorable('no_task', 'the episode was opened without a task, so it has no verifier'),
      };
    const given = this.options.judge ?? NO_JUDGE;
    if (mode === 'sql' && typeof given === 'string') {
      this.metrics.verifications.inc({ scenario: episode.scenario, reason: 'no_judge' });
      return { status: 409, body: unscorable('no_judge', given) };
    }
    const judge = mode === 'sql' && typeof given === 'function' ? given(episode.scenario) : undefined;
    const scratch = join(episode.pool.dir, 'verify');
    mkdirSync(scratch, { recursive: true });
    const finalPath = join(scratch, `${episode.id}_${randomUUID()}.db`);
    try {
      try {
        await episode.pool.sessions.saveFinal(episode.id, finalPath);
      } catch (error) {
        this.metrics.verifications.inc({ scenario: episode.scenario, reason: 'env_error' });
        return {
          status: 200,
          body: unscorable('env_error', `the episode's database could not be copied: ${(error as Error).message}`),
        };
      }
      const trajectory = readTrajectory(
        episodeTrajectory(episode, {
          endedAt: this.options.clock(),
          finalAnswer: answer,
          mcpUrl: this.options.mcpUrl(episode.id),
          stopReason: 'final_answer',
        }),
      );
      if (!trajectory.ok) throw new Error(`internal error: the episode's trajectory: ${trajectory.error.join('; ')}`);
      const outcome = await verifyRun({
        mode,
        ...(judge === undefined ? {} : { judge }),
        run: { trajectory: trajectory.value, initialPath: episode.pool.initialDb, finalPath },
        verifierPath: episode.pool.scenario.verifierPath(task.id),
        rewards: episode.rewards.verdicts,
        sandbox: this.options.sandbox,
        clock: this.options.clock,
      });
      episode.touch();
      if (!outcome.ok) {
        // One spelling for every reason (the port's no_verifier, not no-verifier).
        const reason = outcome.error.code.replaceAll('-', '_');
        this.metrics.verifications.inc({ scenario: episode.scenario, reason });
        return { status: 409, body: unscorable(reason, outcome.error.message) };
      }
      this.metrics.verifications.inc({ scenario: episode.scenario, reason: outcome.value.reward_reason });
      return { status: 200, body: withVerdictFields({ ...outcome.value }) };
    } finally {
      rmSync(finalPath, { force: true });
    }
  }

  /** Closes the episode's session (kept as a run folder when asked); returns that folder, or null. */
  async close(episode: Episode, reason: CloseReason, keep = false): Promise<string | null> {
    if (!episode.beginClose()) return null;
    let runDir: string | null = null;
    try {
      if (keep) {
        runDir = this.#newRunFolder(episode);
        copyFileSync(episode.pool.initialDb, join(runDir, 'initial.db'));
        await episode.pool.sessions.closeSession(episode.id, { keepAs: join(runDir, 'final.db') });
        // The last verdict, when it judged this final state (no call since): as `awm verify` writes it.
        const last = episode.lastVerified?.answer;
        if (last?.status === 200 && episode.lastVerified?.calls === episode.calls.length && 'mode' in last.body)
          writeVerifyResult(runDir, last.body as unknown as VerifyResult);
        const trajectory = episodeTrajectory(episode, {
          endedAt: this.options.clock(),
          finalAnswer: null,
          mcpUrl: this.options.mcpUrl(episode.id),
          stopReason: 'closed',
        });
        // Written last: a folder with trajectory.json holds a finished run.
        atomicWriteFile(join(runDir, 'trajectory.json'), `${JSON.stringify(trajectory, null, 2)}\n`);
      } else await episode.pool.sessions.closeSession(episode.id);
    } finally {
      episode.markClosed();
      this.#episodes.delete(episode.id);
      this.#attached.delete(episode.id);
      const timer = this.#detached.get(episode.id);
      if (timer !== undefined) clearTimeout(timer);
      this.#detached.delete(episode.id);
      this.metrics.episodesClosed.inc({ reason });
      this.metrics.activeEpisodes.set(this.#episodes.size);
      this.#onClosed?.();
      this.options.onEvent?.({ event: 'episode-closed', episode_id: episode.id, reason, run_dir: runDir });
    }
    return runDir;
  }

  async reapIdle(): Promise<void> {
    const now = this.options.clock();
    const idle = [...this.#episodes.values()].filter((episode) => episode.idleMs(now) > this.options.idleTtlMs);
    await Promise.allSettled(idle.map((episode) => this.close(episode, 'reaped')));
  }

  async closeAll(reason: CloseReason): Promise<void> {
    await Promise.allSettled([...this.#episodes.values()].map((episode) => this.close(episode, reason)));
  }

  #newRunFolder(episode: Episode): string {
    const stamp = this.options.clock().toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
    const name = [stamp, episode.scenario, episode.task?.id ?? null, episode.id.slice(0, 8)]
      .filter((part) => part !== null)
      .join('_');
    const dir = join(this.options.keepDir, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  #find(name: unknown, key: unknown): Result<{ pool: ScenarioPool; task: ServableTask | null }, OpenProblem> {
    const served = [...this.scenarios.keys()].join(', ');
    if (typeof name !== 'string')
      return err({ status: 400, code: 'VALIDATION_ERROR', message: `"scenario" is required; served: ${served}` });
    const entry = this.scenarios.get(name);
    if (entry === undefined)
      return err({
        status: 404,
        code: 'SCENARIO_NOT_FOUND',
        message: `scenario ${name} is not served here; served: ${served}`,
      });
    if (key === undefined || key === null) return ok({ pool: entry.pool, task: null });
    const tasks = entry.pool.scenario.tasks;
    const task =
      tasks.find((candidate) => candidate.id === key) ??
      (typeof key === 'number' || (typeof key === 'string' && /^\d+$/.test(key)) ? tasks[Number(key)] : undefined);
    if (task === undefined)
      return err({
        status: 404,
        code: 'TASK_NOT_FOUND',
        message: `${name} has no task ${JSON.stringify(key)}; its tasks: ${tasks.map((candidate) => candidate.id).join(', ')} (or 0 to ${tasks.length - 1})`,
      });
    return ok({ pool: entry.pool, task });
  }
}

const NO_JUDGE =
  'sql mode asks an LLM judge, and this server has none: configure an LLM (OPENAI_API_KEY, …) and a judge model (--judge-model) for `awm serve`';

/** An answer without a reward: never 0 for what the agent did not do. */
function unscorable(reason: string, message: string): VerifyAnswer['body'] {
  return withVerdictFields({ result: null, reward: null, reward_reason: reason, error: { code: reason, message } });
}

/** SERVING.md §6.1's names beside verifyRun's: `reward_type` (the reason) and `scorable`. */
function withVerdictFields<T extends { reward: number | null; reward_reason: string }>(
  body: T,
): T & { reward_type: string; scorable: boolean } {
  return { ...body, reward_type: body.reward_reason, scorable: body.reward !== null };
}
