// `awm env call --scenario S TOOL ['JSON'] [--keep]`: one tool call on a fresh copy of the seed,
// through the same sandboxed host `env start` serves: the quickest way to try or debug a handler.
// Prints the result (or `{ "error": { code, message } }`) as JSON on stdout; a handler's stack goes
// to stderr. Exit 0 on a result, 1 on an error result, 2 for an unknown tool or arguments that are
// not a JSON object. With --keep the run folder (outputs/calls/<time>_S/: initial.db, final.db,
// calls.jsonl) stays and its path is printed; without it, the call runs in a temp folder.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closestMatch } from '../config/did-you-mean.js';
import type { CallOutcome } from '../env/call-outcome.js';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import type { ToolSpec } from '../synthesis/tool-spec.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';
import { builtEnv, knownScenario, openEnvProject, relativeTo, type BuiltEnv } from './built-env.js';
import { openEnv } from './env-host.js';
import { exitWith, requiredScenario } from './env-options.js';
import type { CliIo, CommandRequest } from './io.js';
import { newRunFolder } from './run-folder.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const given = requiredScenario(request.values, 'call');
  if (!given.ok) return exitWith(io, given.error, 2);
  const [toolName, argumentsText = '{}', ...extra] = request.positionals;
  if (toolName === undefined)
    return exitWith(
      io,
      `\`awm env call\` needs a tool name: awm env call --scenario ${given.value} TOOL '{"arg": 1}'`,
      2,
    );
  if (extra.length > 0)
    return exitWith(
      io,
      `\`awm env call\` takes one tool and one JSON argument object; quote the JSON for the shell: '{"a": 1}' (got also "${extra.join(' ')}")`,
      2,
    );
  const project = await openEnvProject(request.root);
  if (!project.ok) return exitWith(io, project.error, 2);
  const scenario = knownScenario(project.value, given.value);
  if (!scenario.ok) return exitWith(io, scenario.error, 2);
  const env = builtEnv(project.value, scenario.value);
  if (!env.ok) return exitWith(io, env.error, 1);
  const tool = env.value.tools.find((candidate) => candidate.name === toolName);
  if (tool === undefined) return exitWith(io, unknownTool(toolName, scenario.value, env.value.tools), 2);
  const args = parseArguments(argumentsText);
  if (!args.ok) return exitWith(io, args.error, 2);

  const keep = request.values['keep'] === true;
  const runDir = keep
    ? newRunFolder(request.root, 'calls', scenario.value, new Date())
    : mkdtempSync(join(tmpdir(), 'awm-env-call-'));
  let outcome: Result<CallOutcome, string> | undefined;
  try {
    outcome = await callOnce(env.value, runDir, tool.name, args.value, { keep, io });
  } finally {
    // Kept when asked for and the call ran; a folder from a call that never ran would tell nothing.
    if (!keep || outcome?.ok !== true) rmSync(runDir, { recursive: true, force: true });
  }
  if (!outcome.ok) return exitWith(io, outcome.error, 1);
  const called = outcome.value;
  if (called.ok) io.stdout.write(`${JSON.stringify(called.result, null, 2)}\n`);
  else {
    io.stdout.write(`${JSON.stringify({ error: called.error }, null, 2)}\n`);
    if (called.stack !== undefined) io.stderr.write(`awm: the handler of ${tool.name} threw:\n${called.stack}\n`);
  }
  if (keep)
    io.stderr.write(
      `awm: kept the run folder ${relativeTo(project.value, runDir)} (initial.db, final.db, calls.jsonl)\n`,
    );
  return called.ok ? 0 : 1;
}

/** The call on a fresh copy of the seed in `runDir`; final.db saved there with `keep`. */
async function callOnce(
  env: BuiltEnv,
  runDir: string,
  tool: string,
  args: Record<string, unknown>,
  { keep, io }: { readonly keep: boolean; readonly io: CliIo },
): Promise<Result<CallOutcome, string>> {
  const initialDb = join(runDir, 'initial.db');
  copyFileSync(env.files.seedDb, initialDb);
  const opened = await openEnv(env, runDir, {
    snapshotPath: initialDb,
    callLogPath: join(runDir, 'calls.jsonl'),
    onNotice: (notice) => io.stderr.write(`awm: ${describeSandboxNotice(notice)}\n`),
  });
  if (!opened.ok) return opened;
  const { sessions, sessionId } = opened.value;
  try {
    const outcome = await sessions.callTool(sessionId, tool, args);
    await sessions.closeSession(sessionId, keep ? { keepAs: join(runDir, 'final.db') } : {});
    return ok(outcome);
  } finally {
    await sessions.close();
  }
}

function parseArguments(text: string): Result<Record<string, unknown>, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return err(
      `the arguments are not JSON: ${(error as Error).message}; give one JSON object, quoted for the shell: '{"query": "tea"}'`,
    );
  }
  if (!isRecord(value))
    return err(`the arguments must be a JSON object such as '{"id": 1}' (got ${JSON.stringify(value)})`);
  return ok(value);
}

/** The tool names that look like `name`: a likely typo first, then those sharing a word with it. */
function unknownTool(name: string, scenario: string, tools: readonly ToolSpec[]): string {
  const names = tools.map((tool) => tool.name);
  const typo = closestMatch(name, names);
  const words = new Set(
    name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((word) => word.length > 2),
  );
  const sharing = names.filter(
    (candidate) => candidate !== typo && candidate.split('_').some((word) => words.has(word)),
  );
  const similar = [...(typo === null ? [] : [typo]), ...sharing].slice(0, 6);
  const hint = similar.length > 0 ? `similar tools: ${similar.join(', ')}` : 'no tool has a similar name';
  return `${scenario} has no tool "${name}"; ${hint}\nthe ${names.length} tools of ${scenario}: ${names.join(', ')}`;
}
