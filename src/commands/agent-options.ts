// `awm agent`'s flags, checked all at once: what the run is asked to do, or every problem with the
// command line (exit 2). Defaults: `--protocol tools`, `--policy llm`, 30 iterations, temperature
// 1.0, 4096 tokens per turn.
import { isAbsolute, resolve } from 'node:path';
import type { PolicyName, ProtocolName } from '../agent/trajectory.js';
import { isProtocolName } from '../agent/protocols/protocols.js';
import { err, ok, type Result } from '../util/result.js';
import type { CommandRequest } from './io.js';

export interface AgentOptions {
  readonly scenario: string | null;
  readonly taskKey: string | null;
  readonly taskText: string | null;
  readonly mcp: { readonly url: string; readonly token?: string } | null;
  readonly protocol: ProtocolName;
  readonly policy: PolicyName;
  readonly apiUrl: string | undefined;
  readonly model: string | undefined;
  readonly temperature: number;
  readonly maxTokens: number;
  readonly maxIterations: number;
  /** Absolute. */
  readonly outputDir: string | null;
}

export const AGENT_DEFAULTS = { maxIterations: 30, temperature: 1.0, maxTokens: 4096 } as const;

const SCENARIO_ID = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const MODEL_FLAGS = ['api-url', 'model', 'temperature', 'max-tokens'] as const;

export function readAgentOptions(request: CommandRequest, cwd: string): Result<AgentOptions, string[]> {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = request.values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const number = (name: string, fallback: number, check: (value: number) => boolean, what: string) => {
    const given = text(name);
    if (given === undefined) return fallback;
    const value = Number(given);
    if (given.trim() === '' || !check(value)) problems.push(`--${name} must be ${what} (got "${given}")`);
    return value;
  };
  if (request.positionals.length > 0)
    problems.push(
      `awm agent takes no positional arguments (got ${request.positionals.map((p) => `"${p}"`).join(' ')})`,
    );
  const scenario = text('scenario') ?? null;
  if (scenario !== null && !SCENARIO_ID.test(scenario))
    problems.push(`--scenario must be a scenario id, not "${scenario}"`);
  const taskKey = text('task-id') ?? null;
  const taskText = text('task') ?? null;
  if (taskKey !== null && taskText !== null) problems.push('give --task or --task-id, not both');
  if (taskKey !== null && scenario === null) problems.push('--task-id needs --scenario');
  if (taskKey === null && taskText === null)
    problems.push('give --scenario S --task-id K, or --task "…" with --mcp-url');
  const url = text('mcp-url');
  const token = text('token');
  if (url === undefined && scenario === null && taskText !== null)
    problems.push("--task needs --mcp-url (or --scenario, to start that scenario's env)");
  if (token !== undefined && url === undefined) problems.push('--token goes with --mcp-url');
  const protocol = text('protocol') ?? 'tools';
  if (!isProtocolName(protocol)) problems.push(`--protocol must be tools or awm-xml (got "${protocol}")`);
  const policy = text('policy') ?? 'llm';
  if (policy !== 'llm' && policy !== 'reference') problems.push(`--policy must be llm or reference (got "${policy}")`);
  if (policy === 'reference') {
    const modelFlags = MODEL_FLAGS.filter((name) => text(name) !== undefined);
    if (modelFlags.length > 0)
      problems.push(`${modelFlags.map((name) => `--${name}`).join(', ')}: --policy reference calls no model`);
    if (taskKey === null) problems.push("--policy reference replays a scenario task's solution: give --task-id");
  }
  const temperature = number(
    'temperature',
    AGENT_DEFAULTS.temperature,
    (v) => v >= 0 && v <= 2,
    'a number from 0 to 2',
  );
  const whole = (v: number): boolean => Number.isInteger(v) && v >= 1;
  const maxTokens = number('max-tokens', AGENT_DEFAULTS.maxTokens, whole, 'a whole number of at least 1');
  const maxIterations = number('max-iterations', AGENT_DEFAULTS.maxIterations, whole, 'a whole number of at least 1');
  const outputDir = text('output-dir');
  if (problems.length > 0) return err(problems);
  return ok({
    scenario,
    taskKey,
    taskText,
    mcp: url === undefined ? null : { url, ...(token === undefined ? {} : { token }) },
    protocol: protocol as ProtocolName,
    policy: policy as PolicyName,
    apiUrl: text('api-url'),
    model: text('model'),
    temperature,
    maxTokens,
    maxIterations,
    outputDir: outputDir === undefined ? null : isAbsolute(outputDir) ? outputDir : resolve(cwd, outputDir),
  });
}
