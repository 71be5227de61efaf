// The only module that touches `process` (through main's arguments and the streams it is given).
// Each command imports what it needs when it runs, so `awm --help` starts fast.
import { parseArgs } from 'node:util';

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
      --json             one JSON object: { instances: [{ stage, scenario, state, reasons }] }
  check                  exit 1, listing reasons, unless every instance is fresh (never calls an LLM)
  dag [--format mermaid|dot]   the stage graph

Options for every command:
  -C, --dir DIR          the project folder (default: the current folder)
  -h, --help             this help
      --version          the version

Offline (no LLM configured) awm answers from the recorded example responses of the demo
scenarios. To use a real LLM set OPENAI_API_KEY (and OPENAI_BASE_URL for any OpenAI-compatible
server) or AWM_SYN_LLM_PROVIDER=azure with AZURE_ENDPOINT_URL and AZURE_OPENAI_API_KEY.
`;

export interface CliIo {
  readonly stdout: { write(text: string): unknown; isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const defaultIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

export async function main(argv: readonly string[], io: CliIo = defaultIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        dir: { type: 'string', short: 'C' },
        force: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        'keep-going': { type: 'boolean', short: 'k' },
        watch: { type: 'boolean', short: 'w' },
        frozen: { type: 'boolean' },
        fresh: { type: 'boolean' },
        explain: { type: 'boolean' },
        json: { type: 'boolean' },
        format: { type: 'string' },
      },
    });
  } catch (error) {
    io.stderr.write(`awm: ${(error as Error).message}\nRun \`awm --help\` for usage.\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    io.stdout.write(`${await version()}\n`);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    io.stdout.write(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const { resolve } = await import('node:path');
  const root = resolve(io.cwd, values.dir ?? '.');
  switch (command) {
    case 'build': {
      const jobs = values.jobs === undefined ? 32 : Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) {
        io.stderr.write(`awm: --jobs must be a whole number of at least 1 (got "${values.jobs}")\n`);
        return 2;
      }
      const options = { targets: rest, force: values.force ?? false, dryRun: values['dry-run'] ?? false, jobs, keepGoing: values['keep-going'] ?? false, frozen: values.frozen ?? false, fresh: values.fresh ?? false };
      if (values.watch) return (await import('./commands/watch.js')).watchCommand(root, options, io);
      return (await import('./commands/build.js')).buildCommand(root, options, io);
    }
    case 'status':
      return (await import('./commands/status.js')).statusCommand(root, { targets: rest, explain: values.explain ?? false, json: values.json ?? false }, io);
    case 'check':
      return (await import('./commands/status.js')).checkCommand(root, io);
    case 'dag': {
      const format = values.format ?? 'mermaid';
      if (format !== 'mermaid' && format !== 'dot') {
        io.stderr.write(`awm: --format must be mermaid or dot (got "${format}")\n`);
        return 2;
      }
      return (await import('./commands/dag.js')).dagCommand(root, format, io);
    }
    default:
      io.stderr.write(`awm: unknown command "${command}". Commands: build, status, check, dag. Run \`awm --help\`.\n`);
      return 2;
  }
}

async function version(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
