// One `awm agent` run, start to end: find the task (and, for the reference policy, its solution),
// make the run folder, start the scenario's env when no MCP URL is given (initial.db is the seed
// as the run starts), connect, list the tools, run the episode, save final.db, write
// trajectory.json. Problems found before anything ran are values for the command to print; the
// env is closed however the run ends.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { SandboxNotice } from '../sandbox/sandbox-notice.js';
import { err, ok, type Result } from '../util/result.js';
import { runEpisode, type Episode } from './agent-loop.js';
import type { AgentModel } from './agent-model.js';
import type { AgentTool } from './agent-tools.js';
import { LocalEnv } from './local-env.js';
import { McpToolClient, type McpEndpoint } from './mcp-tool-client.js';
import { PROTOCOLS } from './protocols/protocols.js';
import { referencePolicy } from './reference-policy.js';
import { loadReferenceSolution, type ReferenceSolution } from './reference-solution.js';
import { CALL_LOG, FINAL_DB, INITIAL_DB, makeRunFolder, runFolderName, writeTrajectory } from './run-folder.js';
import { findTask, type ScenarioFolder } from './scenario-folder.js';
import {
  TRAJECTORY_FORMAT,
  type PolicyName,
  type ProtocolName,
  type Trajectory,
  type TrajectoryStep,
} from './trajectory.js';

export interface AgentRunRequest {
  readonly root: string;
  /** The built scenario, when the task comes from it or its env is to be started. */
  readonly scenario: ScenarioFolder | null;
  /** `--task-id`: a task of `scenario`. */
  readonly taskKey: string | null;
  /** `--task`: the task's text (over `taskKey`). */
  readonly taskText: string | null;
  /** An MCP server to use; null: start the scenario's env. */
  readonly mcp: McpEndpoint | null;
  readonly protocol: ProtocolName;
  /** The model for `llm`; the reference policy needs none. */
  readonly policy: { readonly kind: 'llm'; readonly model: AgentModel } | { readonly kind: 'reference' };
  readonly maxIterations: number;
  /** `--output-dir`, absolute; null: a new folder under outputs/agents/. */
  readonly outputDir: string | null;
  readonly now: () => Date;
  readonly signal: AbortSignal;
}

export interface AgentRunHooks {
  onStart?(start: { readonly runDir: string; readonly mcpUrl: string; readonly tools: readonly AgentTool[] }): void;
  onStep?(step: TrajectoryStep): void;
  onNotice?(notice: SandboxNotice): void;
}

export interface AgentRunReport {
  readonly runDir: string;
  readonly trajectory: Trajectory;
}

/** What went wrong before an episode could start: `usage` when the request cannot work (exit 2). */
export interface AgentRunProblem {
  readonly kind: 'usage' | 'failed';
  readonly message: string;
}

interface ResolvedTask {
  readonly text: string;
  readonly id: string | null;
  readonly solution: ReferenceSolution | null;
}

export async function runAgent(
  request: AgentRunRequest,
  hooks: AgentRunHooks = {},
): Promise<Result<AgentRunReport, AgentRunProblem>> {
  const task = resolveTask(request);
  if (!task.ok) return err({ kind: 'usage', message: task.error });
  const startedAt = request.now();
  const name = runFolderName(startedAt, request.scenario?.id ?? null, task.value.id);
  const folder = makeRunFolder(request.root, request.outputDir, name);
  if (!folder.ok) return err({ kind: 'usage', message: folder.error });
  const runDir = folder.value;
  let env: LocalEnv | null = null;
  let episode: Episode | null = null;
  try {
    if (request.mcp === null && request.scenario !== null) env = await startOwnEnv(request.scenario, runDir, hooks);
    const endpoint = env === null ? request.mcp : { url: env.url, token: env.token };
    if (endpoint === null) return err({ kind: 'usage', message: 'give --mcp-url, or --scenario to start its env' });
    const opened = await openTools(endpoint);
    if (!opened.ok) return opened;
    const { client, tools } = opened.value;
    hooks.onStart?.({ runDir, mcpUrl: endpoint.url, tools });
    const protocol = PROTOCOLS[request.protocol](tools);
    const model =
      request.policy.kind === 'llm' ? request.policy.model : referencePolicy(task.value.solution!, protocol);
    try {
      episode = await runEpisode({
        task: task.value.text,
        model,
        protocol,
        tools: client,
        maxIterations: request.maxIterations,
        signal: request.signal,
        ...(hooks.onStep === undefined ? {} : { onStep: (step: TrajectoryStep) => hooks.onStep?.(step) }),
      });
    } finally {
      await client.close().catch(() => undefined);
    }
    if (env !== null) await env.close(join(runDir, FINAL_DB));
    const trajectory = trajectoryOf(request, task.value, episode, {
      mcpUrl: endpoint.url,
      startedAt,
      endedAt: request.now(),
      model: model.description,
      ownEnv: env !== null,
    });
    writeTrajectory(runDir, trajectory);
    return ok({ runDir, trajectory });
  } finally {
    await env?.close(); // after a failure; a no-op once closed above
    // A run that failed before its episode leaves nothing behind.
    if (episode === null) rmSync(runDir, { recursive: true, force: true });
  }
}

/** The scenario's env on a fresh copy of its seed, which is kept as initial.db. */
async function startOwnEnv(scenario: ScenarioFolder, runDir: string, hooks: AgentRunHooks): Promise<LocalEnv> {
  copyFileSync(scenario.files.seedPath, join(runDir, INITIAL_DB));
  return LocalEnv.start({
    name: scenario.id,
    files: scenario.files,
    callLogPath: join(runDir, CALL_LOG),
    ...(hooks.onNotice === undefined ? {} : { onNotice: (notice: SandboxNotice) => hooks.onNotice?.(notice) }),
  });
}

/** Connected and listed, or why not (the MCP server is unreachable or refuses us: exit 1). */
async function openTools(
  endpoint: McpEndpoint,
): Promise<Result<{ client: McpToolClient; tools: readonly AgentTool[] }, AgentRunProblem>> {
  const connected = await McpToolClient.connect(endpoint);
  if (!connected.ok) return err({ kind: 'failed', message: connected.error });
  try {
    return ok({ client: connected.value, tools: await connected.value.listTools() });
  } catch (error) {
    await connected.value.close().catch(() => undefined);
    return err({ kind: 'failed', message: `the MCP server did not list its tools: ${(error as Error).message}` });
  }
}

function resolveTask(request: AgentRunRequest): Result<ResolvedTask, string> {
  const { scenario, taskKey, taskText } = request;
  if (taskKey !== null && scenario === null) return err('--task-id needs --scenario');
  const row = taskKey !== null && scenario !== null ? findTask(scenario, taskKey) : null;
  if (row !== null && !row.ok) return row;
  const text = taskText ?? row?.value.text ?? null;
  if (text === null) return err('give --task "…", or --scenario S with --task-id K');
  const id = row?.value.id ?? null;
  if (request.policy.kind === 'llm') return ok({ text, id, solution: null });
  if (scenario === null || id === null || taskText !== null)
    return err('--policy reference replays the solution of a scenario task: give --scenario S and --task-id K');
  const solution = loadReferenceSolution({
    root: request.root,
    scenarioDir: scenario.dir,
    scenario: scenario.id,
    taskId: id,
  });
  return solution.ok ? ok({ text, id, solution: solution.value }) : solution;
}

function trajectoryOf(
  request: AgentRunRequest,
  task: ResolvedTask,
  episode: Episode,
  run: {
    readonly mcpUrl: string;
    readonly startedAt: Date;
    readonly endedAt: Date;
    readonly model: AgentModel['description'];
    readonly ownEnv: boolean;
  },
): Trajectory {
  const policy: PolicyName = request.policy.kind;
  return {
    format: TRAJECTORY_FORMAT,
    scenario: request.scenario?.id ?? null,
    task_id: task.id,
    task: task.text,
    model: run.model.model,
    protocol: request.protocol,
    policy,
    api_url: run.model.apiUrl,
    mcp_url: run.mcpUrl,
    max_iterations: request.maxIterations,
    temperature: run.model.temperature,
    max_tokens: run.model.maxTokens,
    started_at: run.startedAt.toISOString(),
    ended_at: run.endedAt.toISOString(),
    stop_reason: episode.stopReason,
    final_answer: episode.finalAnswer,
    error: episode.error,
    databases: run.ownEnv
      ? { initial: INITIAL_DB, final: FINAL_DB, note: null }
      : {
          initial: null,
          final: null,
          note: `the agent used an MCP server it did not start (${run.mcpUrl}), so its databases are not in this folder`,
        },
    steps: episode.steps,
    messages: episode.messages,
    usage: episode.usage,
  };
}
