// The only module that touches `process`: it turns argv into a command from the command table,
// gives it the process as a CliIo and one interrupt signal, and returns its exit code. Each
// command loads when it runs, so `awm --help` starts fast.
import { parseArgs } from 'node:util';
import { COMMANDS, GLOBAL_OPTIONS } from './commands/command.js';
import { ENV_COMMANDS } from './commands/env-commands.js';
import type { CliIo } from './commands/io.js';
import { readReferenceSpelling, REFERENCE_USAGE } from './commands/reference-spelling.js';
import { processIdentity } from './util/process-identity.js';

export type { CliIo } from './commands/io.js';

export const USAGE = `awm — synthesize executable tool-use environments for agents, as an incremental build

Usage: awm <command> [options]

Build graph:
  build [targets…]       build what is stale (targets: SCENARIO, SCENARIO:STAGE, :STAGE; globs ok)
      --force            rebuild the targeted instances even if fresh
      --dry-run          list what would run and why; change nothing
      --jobs N           instances run at once (default 32)
      --keep-going       after a failure, go on with everything that does not depend on it
      --watch            rebuild when a source (pipeline, prompt, stage code, input file) changes
      --frozen           build, but fail instead of changing awm.lock (for CI)
      --fresh            do not answer LLM requests from the response cache
  status [targets…]      what is fresh, stale, missing, modified or blocked
      --explain          every reason, naming the changed file, prompt or param
      --json             one JSON object: { instances: [{ stage, scenario, state, reasons: [{ code, …, message }] }] }
  check                  exit 1, listing reasons, unless every instance is fresh (never calls an LLM)
  dag [--format mermaid|dot]   the stage graph

Environments (\`awm env --help\` says more):
${ENV_COMMANDS.map((command) => `  env ${command.synopsis}`).join('\n')}

Agents:
  agent --scenario S --task-id K   run an agent on a task, in a fresh copy of S's env started for the run
  agent --task "…" --mcp-url U     …or on any task against any MCP server (--token T: its bearer token)
      --protocol tools|awm-xml     native tool calling (default), or the <tool_call> text protocol of the AWM models
      --policy llm|reference       a model (default), or replay the task's reference solution (no model, offline)
      --model M --api-url U        any OpenAI-compatible endpoint (default: OPENAI_BASE_URL; model: AWM_AGENT_MODEL, llm.model)
      --temperature T --max-tokens N --max-iterations N   sampling (1.0), tokens per turn (4096), turns (30)
      --output-dir D               the run folder (default outputs/agents/<time>_<scenario>_<task>/)

Agent runs:
  verify RUN_DIR --mode code|sql   judge a run folder of \`awm agent\`; writes RUN_DIR/verify.<mode>.json
      --verifier FILE    the task's verifier (default: artifacts/<scenario>/verifiers/<task_id>.json)
      --model M          sql mode: the judge's model (default: AWM_JUDGE_MODEL, else llm.model)
      --rewards R        e.g. complete=1,incomplete=0.1,agent_error=0,others=0 (the defaults);
                         exit 0 with a reward, 1 when the run is unscorable (reward null)

Serving episodes to trainers and agents:
  serve [--port 8000] [--host H]   every built env in one process: POST /episodes, an MCP URL per episode,
                                   POST /episodes/{id}/verify, GET|DELETE /episodes/{id}, /health, /metrics
      --scenarios GLOB   only these scenarios (e.g. 'online_*'); default every built one that passed its check
      --max-episodes N   episodes open at once (default 1024); more get 503 CAPACITY_REACHED
      --idle-ttl S       close an episode no request touched for S seconds (default 600)
      --token T          require Authorization: Bearer T on the episode routes
      --drain-timeout S  on Ctrl-C/SIGTERM stop admitting and wait up to S s for live episodes (default 25)
      --reattach-grace S a dropped WebSocket's episode waits S s for reset(resume_episode_id) (default 60)
      --ws-ping S        ping WebSockets every S s; drop those that do not answer (default 20)
      --allowed-hosts L  Host names accepted besides loopback (comma-separated; * for any)
      --public-url URL   the base of the MCP URLs handed out (e.g. http://pod.svc:8000)
      --judge-model M    sql-mode verify's judge (an LLM must be configured)

The reference pipeline's files (AgentWorldModel-1K and its users' runs):
  import DIR [--world-clock ISO]   take gen_*.jsonl files in: converted artifacts, pinned in awm.lock as imported
  export DIR [--scenarios GLOB]    write this project's artifacts as the reference's gen_*.jsonl files

Options for every command:
  -C, --dir DIR          the project folder (default: the current folder)
  -h, --help             this help
      --version          the version

${REFERENCE_USAGE}
Offline (no LLM configured) awm answers from the recorded example responses of the demo
scenarios. To use a real LLM set OPENAI_API_KEY (and OPENAI_BASE_URL for any OpenAI-compatible
server) or AWM_SYN_LLM_PROVIDER=azure with AZURE_ENDPOINT_URL and AZURE_OPENAI_API_KEY.
`;

const processIo = (): CliIo => ({
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  pid: process.pid,
  isAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  identityOf: processIdentity,
  onInterrupt(handler) {
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  },
  exit: (code) => process.exit(code),
  onExit(handler) {
    exitHandlers.add(handler);
    return () => void exitHandlers.delete(handler);
  },
});

// A reader that stops early (`awm env check --url U | head -3`, a script that reads only the URL
// line of `awm env start`) is no error: what is written after it is dropped and the command goes on.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });

/** What must happen on the way out however the process ends (the build lock released, say). */
const exitHandlers = new Set<() => void>();
process.once('exit', () => {
  for (const handler of exitHandlers) handler();
});

export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const allOptions = Object.assign({}, GLOBAL_OPTIONS, ...COMMANDS.map((command) => command.options));
  const spelled = readReferenceSpelling(argv, allOptions, COMMANDS);
  if (!spelled.ok) return usageError(io, spelled.error);
  let parsed;
  try {
    parsed = parseArgs({ args: [...spelled.value.args], allowPositionals: true, strict: true, options: allOptions });
  } catch (error) {
    return usageError(io, (error as Error).message);
  }
  const { positionals } = parsed;
  // Every option is a boolean or a string (none is `multiple`).
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const [name, ...rest] = positionals;
  if (values['version']) {
    io.stdout.write(`${await version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (values['help'] || name === undefined || name === 'help') {
    io.stdout.write(command?.usage?.() ?? USAGE);
    return name === undefined && !values['help'] ? 2 : 0;
  }
  if (!command)
    return usageError(
      io,
      `unknown command "${name}". Commands: ${COMMANDS.map((candidate) => candidate.name).join(', ')}.`,
    );
  const misplaced = Object.keys(values).find((option) => !(option in GLOBAL_OPTIONS) && !(option in command.options));
  if (misplaced) return usageError(io, `--${misplaced} is not an option of \`awm ${name}\``);
  const { resolve } = await import('node:path');
  const root = resolve(io.cwd, typeof values['dir'] === 'string' ? values['dir'] : '.');
  const [{ listenForInterrupt }, { run }] = await Promise.all([import('./commands/interrupt.js'), command.load()]);
  const signal = listenForInterrupt(io, command.interruptMessage(values));
  for (const note of spelled.value.notes) io.stderr.write(`awm: note: ${note}\n`);
  try {
    return await run({ root, positionals: rest, values }, io, signal);
  } catch (error) {
    // The one place an exception leaves a command: a full disk or a missing permission is one line
    // for the user (finished work is journaled and kept); anything else is a bug in awm.
    const { describeFileSystemError } = await import('./util/file-system-error.js');
    const fileSystem = describeFileSystemError(error, root);
    if (fileSystem !== null) {
      io.stderr.write(`awm: ${fileSystem}\n`);
      return 1;
    }
    io.stderr.write(
      `awm: internal error, please report it with this text: ${(error as Error).stack ?? String(error)}\n`,
    );
    return 70;
  }
}

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`awm: ${message}\nRun \`awm --help\` for usage.\n`);
  return 2;
}

async function version(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
