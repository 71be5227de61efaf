// `awm agent`: one agent episode on one task. With `--scenario S --task-id K` it starts S's env
// itself (a fresh copy of its seed.db, served on 127.0.0.1 with a random token); with `--mcp-url`
// it uses that server. The policy is a model behind an OpenAI-compatible endpoint, or the task's
// reference solution (`--policy reference`, offline). Progress goes to stderr, one line per step;
// the run folder's path is the last line on stdout. Exit 0 when the episode ended (final answer,
// iteration cap or Ctrl-C), 1 when the model's endpoint failed or the env could not be reached,
// 2 for a command line or project that cannot work.
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { resolveAgentEndpoint } from '../agent/agent-endpoint.js';
import { runAgent, type AgentRunRequest } from '../agent/agent-run.js';
import { OpenAiChatModel } from '../agent/openai-chat-model.js';
import { openScenarioFolder } from '../agent/scenario-folder.js';
import type { Trajectory, TrajectoryStep } from '../agent/trajectory.js';
import { formatDiagnostics } from '../config/diagnostic.js';
import { loadPipelineConfig, PIPELINE_FILE } from '../config/load.js';
import type { PipelineConfig } from '../config/types.js';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import { unreachable } from '../util/result.js';
import { readAgentOptions, type AgentOptions } from './agent-options.js';
import type { CliIo, CommandRequest } from './io.js';

/** Per try of a turn; an agent's turn is short next to a stage's answer. */
const TURN_TIMEOUT_MS = 300_000;
const DEFAULT_RETRIES = 5;

export async function run(request: CommandRequest, io: CliIo, signal: AbortSignal): Promise<number> {
  const options = readAgentOptions(request, io.cwd);
  if (!options.ok) return usage(io, options.error);
  const pipeline = await readPipelineIfAny(request.root, io);
  if (pipeline === 'invalid') return 2;
  const runRequest = buildRequest(request.root, options.value, pipeline, io, signal);
  if (!runRequest.ok) return usage(io, runRequest.error);
  const outcome = await runAgent(runRequest.value, {
    onStart: ({ runDir, mcpUrl, tools }) => {
      const { model } =
        runRequest.value.policy.kind === 'llm' ? runRequest.value.policy.model.description : { model: null };
      const who = model === null ? 'the reference solution' : model;
      io.stderr.write(`awm agent: ${who}, ${options.value.protocol} protocol, ${tools.length} tools at ${mcpUrl}\n`);
      io.stderr.write(`awm agent: run folder ${shown(io, runDir)}\n`);
    },
    onStep: (step) => io.stderr.write(describeStep(step)),
    onNotice: (notice) => io.stderr.write(`awm: ${describeSandboxNotice(notice)}\n`),
  });
  if (!outcome.ok) {
    io.stderr.write(`awm agent: ${outcome.error.message}\n`);
    return outcome.error.kind === 'usage' ? 2 : 1;
  }
  const { trajectory, runDir } = outcome.value;
  io.stderr.write(`awm agent: ${describeEnd(trajectory)}\n`);
  io.stdout.write(`${shown(io, runDir)}\n`);
  return trajectory.stop_reason === 'llm_error' ? 1 : 0;
}

function usage(io: CliIo, problems: readonly string[] | string): number {
  for (const problem of typeof problems === 'string' ? [problems] : problems) io.stderr.write(`awm: ${problem}\n`);
  io.stderr.write('Run `awm --help` for usage.\n');
  return 2;
}

/** The pipeline, when the project has one: it says where artifacts are and the default model. */
async function readPipelineIfAny(root: string, io: CliIo): Promise<PipelineConfig | null | 'invalid'> {
  if (!existsSync(join(root, PIPELINE_FILE))) return null;
  const loaded = await loadPipelineConfig(root);
  if (loaded.ok) return loaded.value;
  io.stderr.write(`${formatDiagnostics(loaded.error, null)}\n`);
  return 'invalid';
}

function buildRequest(
  root: string,
  options: AgentOptions,
  pipeline: PipelineConfig | null,
  io: CliIo,
  signal: AbortSignal,
): { ok: true; value: AgentRunRequest } | { ok: false; error: string } {
  let scenario = null;
  if (options.scenario !== null) {
    const dir = join(root, pipeline?.artifactsDir ?? 'artifacts', options.scenario);
    const opened = openScenarioFolder(root, options.scenario, dir, pipeline?.worldClock ?? null);
    if (!opened.ok) return opened;
    scenario = opened.value;
  }
  let policy: AgentRunRequest['policy'] = { kind: 'reference' };
  if (options.policy === 'llm') {
    const endpoint = resolveAgentEndpoint(io.env, options.apiUrl);
    if (!endpoint.ok) return endpoint;
    const model = options.model ?? (io.env['AWM_AGENT_MODEL']?.trim() || pipeline?.llm.model);
    if (!model) return { ok: false, error: 'which model? give --model, or set AWM_AGENT_MODEL' };
    policy = {
      kind: 'llm',
      model: new OpenAiChatModel({
        endpoint: endpoint.value,
        model,
        temperature: options.temperature,
        maxTokens: options.maxTokens,
        retries: pipeline?.llm.retries ?? DEFAULT_RETRIES,
        timeoutMs: TURN_TIMEOUT_MS,
        ...(pipeline === null ? {} : { maxAnswerBytes: pipeline.llm.maxAnswerBytes }),
      }),
    };
  }
  return {
    ok: true,
    value: {
      root,
      scenario,
      taskKey: options.taskKey,
      taskText: options.taskText,
      mcp: options.mcp,
      protocol: options.protocol,
      policy,
      maxIterations: options.maxIterations,
      outputDir: options.outputDir,
      now: () => new Date(),
      signal,
    },
  };
}

/** `  3. place_order {"product_id":1,"quantity":2} → ok (4 ms)`, one line per call; the final answer's start. */
function describeStep(step: TrajectoryStep): string {
  const lines = step.tool_results.map((result) => {
    const outcome = result.ok ? 'ok' : `${result.error.code}: ${clip(result.error.message, 120)}`;
    return `  ${step.iteration}. ${result.name} ${clip(JSON.stringify(result.arguments) ?? '', 100)} → ${outcome} (${Math.round(result.ms)} ms)`;
  });
  if (step.tool_results.length === 0)
    lines.push(`  ${step.iteration}. answer: ${clip(step.assistant.content.replace(/\s+/g, ' ').trim(), 160)}`);
  return `${lines.join('\n')}\n`;
}

function describeEnd(trajectory: Trajectory): string {
  const turns = `${trajectory.steps.length} turn${trajectory.steps.length === 1 ? '' : 's'}`;
  const { prompt_tokens: prompt, completion_tokens: completion } = trajectory.usage;
  const tokens =
    trajectory.policy === 'llm'
      ? `; ${prompt.toLocaleString('en-US')} prompt + ${completion.toLocaleString('en-US')} completion tokens`
      : '';
  switch (trajectory.stop_reason) {
    case 'final_answer':
      return `final answer after ${turns}${tokens}`;
    case 'max_iterations':
      return `stopped at --max-iterations ${trajectory.max_iterations} without a final answer${tokens}`;
    case 'interrupted':
      return `interrupted after ${turns}; the run folder holds what was done${tokens}`;
    case 'llm_error':
      return `the model's endpoint failed after ${turns}: ${trajectory.error ?? 'unknown error'}`;
    default:
      return unreachable(trajectory.stop_reason, 'stop reason');
  }
}

function clip(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** The path relative to the current folder when it is inside it. */
function shown(io: CliIo, path: string): string {
  const inside = relative(io.cwd, path);
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}
