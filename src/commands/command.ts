// The command table: each `awm` command's name, its options and how to load it. Commands load
// lazily (`awm --help` imports none of them), and each lives in its own file beside this one.
import type { ParseArgsConfig } from 'node:util';
import { ENV_OPTIONS, envUsage } from './env-commands.js';
import type { CommandRequest, CommandRun } from './io.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  readonly name: string;
  /** The options it takes beyond the global ones. */
  readonly options: Options;
  /** Said on the first Ctrl-C before the command winds down; null to stop quietly. */
  interruptMessage(values: CommandRequest['values']): string | null;
  load(): Promise<{ readonly run: CommandRun }>;
  /** Its own help (`awm env --help`), for a command with subcommands; else `awm --help` serves. */
  usage?(): string;
}

/** Options every command takes. */
export const GLOBAL_OPTIONS: Options = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  dir: { type: 'string', short: 'C' },
};

const quiet = (): null => null;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'build',
    options: {
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      'keep-going': { type: 'boolean', short: 'k' },
      watch: { type: 'boolean', short: 'w' },
      frozen: { type: 'boolean' },
      fresh: { type: 'boolean' },
    },
    interruptMessage: (values) =>
      values['watch']
        ? null
        : 'interrupted; letting running instances finish (press Ctrl-C again to stop at once; finished work is kept)',
    load: () => import('./build.js'),
  },
  {
    name: 'status',
    options: { explain: { type: 'boolean' }, json: { type: 'boolean' } },
    interruptMessage: quiet,
    load: () => import('./status.js'),
  },
  { name: 'check', options: {}, interruptMessage: quiet, load: () => import('./check.js') },
  { name: 'dag', options: { format: { type: 'string' } }, interruptMessage: quiet, load: () => import('./dag.js') },
  // Each env subcommand says itself what the first Ctrl-C does (stopping a server, say).
  { name: 'env', options: ENV_OPTIONS, interruptMessage: quiet, load: () => import('./env.js'), usage: envUsage },
  {
    name: 'agent',
    options: {
      scenario: { type: 'string' },
      'task-id': { type: 'string' },
      task: { type: 'string' },
      'mcp-url': { type: 'string' },
      token: { type: 'string' },
      protocol: { type: 'string' },
      policy: { type: 'string' },
      'api-url': { type: 'string' },
      model: { type: 'string' },
      temperature: { type: 'string' },
      'max-tokens': { type: 'string' },
      'max-iterations': { type: 'string' },
      'output-dir': { type: 'string' },
    },
    interruptMessage: () =>
      'interrupted; ending the episode after the step in progress and writing the run folder (press Ctrl-C again to stop at once)',
    load: () => import('./agent.js'),
  },
  {
    name: 'verify',
    options: {
      mode: { type: 'string' },
      verifier: { type: 'string' },
      model: { type: 'string' },
      rewards: { type: 'string' },
    },
    interruptMessage: () =>
      'interrupted; stopping the verifier (nothing is written; press Ctrl-C again to stop at once)',
    load: () => import('./verify.js'),
  },
  {
    name: 'serve',
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      scenarios: { type: 'string' },
      'max-episodes': { type: 'string' },
      'idle-ttl': { type: 'string' },
      'drain-timeout': { type: 'string' },
      'reattach-grace': { type: 'string' },
      'ws-ping': { type: 'string' },
      'judge-model': { type: 'string' },
      'allowed-hosts': { type: 'string' },
      'public-url': { type: 'string' },
      token: { type: 'string' },
    },
    // serve says itself what the first Ctrl-C does.
    interruptMessage: quiet,
    load: () => import('./serve.js'),
  },
  {
    name: 'import',
    options: { 'world-clock': { type: 'string' } },
    interruptMessage: () => 'interrupted; the import finishes writing what it started, then stops',
    load: () => import('./import.js'),
  },
  {
    name: 'export',
    options: { scenarios: { type: 'string' } },
    interruptMessage: quiet,
    load: () => import('./export.js'),
  },
  {
    name: 'gen',
    options: {
      input: { type: 'string' },
      output: { type: 'string' },
      input_task: { type: 'string' },
      input_db: { type: 'string' },
      input_sample: { type: 'string' },
      input_spec: { type: 'string' },
      input_scenario: { type: 'string' },
      'world-clock': { type: 'string' },
    },
    interruptMessage: () =>
      'interrupted; letting what runs finish and starting nothing new (Ctrl-C again stops at once)',
    load: () => import('./gen.js'),
  },
];
