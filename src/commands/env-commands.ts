// The `awm env` subcommands (the reference's `awm env start|check|check_all|reset_db`, named with
// dashes, plus `call`): each one's options, its line in the help, and how to load it. Loaded with
// the command table, so it imports nothing heavy.
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_PORT } from './env-options.js';
import type { CommandRun } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface EnvCommandSpec {
  readonly name: string;
  /** How it is called, after `awm env `. */
  readonly synopsis: string;
  /** What it does, in one line. */
  readonly summary: string;
  /** The options of ENV_OPTIONS it takes. */
  readonly options: readonly string[];
  load(): Promise<{ readonly run: CommandRun }>;
}

/** Every option of every env subcommand; each subcommand refuses those it does not take. */
export const ENV_OPTIONS: Options = {
  scenario: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  url: { type: 'string' },
  jobs: { type: 'string', short: 'j' },
  scenarios: { type: 'string' },
  keep: { type: 'boolean' },
};

export const ENV_COMMANDS: readonly EnvCommandSpec[] = [
  {
    name: 'start',
    synopsis: 'start --scenario S [--port P] [--host H] [--token T]',
    summary: 'serve the built env S at http://H:P/mcp until Ctrl-C; run folder outputs/servers/<time>_S/',
    options: ['scenario', 'port', 'host', 'token'],
    load: () => import('./env-start.js'),
  },
  {
    name: 'check',
    synopsis: 'check --url U [--token T]',
    summary: 'list the tools of the MCP server at U; exit 1 if it does not answer, is not MCP or lists none',
    options: ['url', 'token'],
    load: () => import('./env-check.js'),
  },
  {
    name: 'check-all',
    synopsis: 'check-all [--jobs N] [--scenarios GLOB]',
    summary: "serve each built env on a fresh copy, call each tool's first example over MCP; a pass/fail table",
    options: ['jobs', 'scenarios'],
    load: () => import('./env-check-all.js'),
  },
  {
    name: 'reset-db',
    synopsis: 'reset-db [--scenario S]',
    summary: 'rebuild the seed database of S (default: all) from schema and sample: awm build --force S:sample',
    options: ['scenario'],
    load: () => import('./env-reset-db.js'),
  },
  {
    name: 'call',
    synopsis: "call --scenario S TOOL ['JSON'] [--keep]",
    summary: "one call on a fresh copy of S's seed in the sandboxed host; prints the result, or the error (exit 1)",
    options: ['scenario', 'keep'],
    load: () => import('./env-call.js'),
  },
];

const OPTION_HELP = [
  ['--scenario S', 'a scenario id, or its name as the pipeline normalizes it ("Online Bookstore")'],
  ['--port P', `start: the port (default ${DEFAULT_PORT}; 0 picks a free one, read it from the printed URL)`],
  ['--host H', 'start: the address to listen on (default 127.0.0.1, this machine only)'],
  ['--token T', 'start: require `Authorization: Bearer T` of every request; check: send it'],
  ['--url U', 'check: the MCP endpoint, e.g. http://127.0.0.1:8000/mcp'],
  ['--jobs N', 'check-all: envs checked at once (default: one per CPU)'],
  ['--scenarios GLOB', "check-all: only the scenarios matching GLOB, e.g. '*bank*'"],
  ['--keep', 'call: keep the run folder (outputs/calls/<time>_S/: initial.db, final.db, calls.jsonl)'],
] as const;

/** `awm env --help`. */
export function envUsage(): string {
  const width = Math.max(...ENV_COMMANDS.map((command) => command.name.length)) + 2;
  const optionWidth = Math.max(...OPTION_HELP.map(([option]) => option.length)) + 2;
  return [
    'awm env — serve, check and call the environments `awm build` made (per scenario: seed.db, spec.json, tools.mjs)',
    '',
    ...ENV_COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary}`),
    '',
    'Usage:',
    ...ENV_COMMANDS.map((command) => `  awm env ${command.synopsis}`),
    '',
    'Options:',
    ...OPTION_HELP.map(([option, meaning]) => `  ${option.padEnd(optionWidth)}${meaning}`),
    '',
    "The reference system's spellings `check_all` and `reset_db` work too; `call` is awm's own.",
    'Ctrl-C stops `start` and writes final.db; a second Ctrl-C exits at once.',
    '',
  ].join('\n');
}
