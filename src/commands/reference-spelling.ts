// The reference system's spellings of `awm env|agent|verify`, rewritten to ours before the command
// line is parsed, so scripts written for it run here. One rule covers most: a flag or env command
// written with `_` where ours has `-` (`--task_id`, `env check_all`). A few reference flags have no
// counterpart of that shape; REFERENCE_ONLY_FLAGS says what each becomes. Everything else is left
// as typed, so unknown flags get the parser's usual error in the user's own spelling.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { err, ok, type Result } from '../util/result.js';
import type { CommandSpec } from './command.js';
import { ENV_COMMANDS } from './env-commands.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ReferenceSpelling {
  /** The command line in awm's spelling. */
  readonly args: readonly string[];
  /** What the user should know about a reference flag awm accepted but does not read. */
  readonly notes: readonly string[];
}

/** The reference's commands; others (build, status, …) are awm's own and take only its spelling. */
const REFERENCE_COMMANDS = ['env', 'agent', 'verify'];

interface ReferenceOnlyFlag {
  /** The command in awm's spelling: `env start`, `verify`. */
  readonly command: string;
  readonly flag: string;
  /** `run-folder`: its value is verify's RUN_DIR; `ignored`: dropped, with `why` as a note. */
  readonly becomes: 'run-folder' | 'ignored';
  readonly why?: string;
}

const BUILT_ENV = 'awm serves the env `awm build` made for the scenario, not the Python server in that file';
const BUILT_SEED = 'awm rebuilds seed.db from the schema and sample data `awm build` made (awm build --force S:sample)';

// The one difference of meaning behind agent's reference flags: the reference always talks its text protocol.
const AGENT_PROTOCOL =
  "awm agent calls tools natively (--protocol tools) unless told; the reference's agent writes <tool_call> text, which is --protocol awm-xml (the protocol the Arctic-AWM models were trained on)";

const REFERENCE_ONLY_FLAGS: readonly ReferenceOnlyFlag[] = [
  { command: 'env start', flag: 'envs_load_path', becomes: 'ignored', why: BUILT_ENV },
  {
    command: 'env check-all',
    flag: 'input',
    becomes: 'ignored',
    why: 'awm checks the envs `awm build` made (--scenarios GLOB picks some), not those in that file',
  },
  { command: 'env reset-db', flag: 'input_db', becomes: 'ignored', why: BUILT_SEED },
  { command: 'env reset-db', flag: 'input_sample', becomes: 'ignored', why: BUILT_SEED },
  { command: 'verify', flag: 'input', becomes: 'run-folder' },
];

/** For `awm --help`. */
export const REFERENCE_USAGE = `The reference system's spellings (the README's table says what maps and what does not):
  env check_all, env reset_db       = env check-all, env reset-db
  --task_id, --mcp_url, --api_url   = --task-id, --mcp-url, --api-url (env, agent, verify: any flag, _ for -)
  verify --input RUN_DIR            = verify RUN_DIR
  env start --envs_load_path P      = env start; P is not read: awm serves the env it built (likewise
                                      check_all --input, reset_db --input_db and --input_sample)
  gen STAGE --input F --output F    = import F, build each scenario's STAGE, export its file (gen all: every stage)
`;

/**
 * `args` with the reference's spellings rewritten to ours for the command they belong to; an error
 * when one option is given in both spellings,.
 * `options` is every option the parser knows; `commands` the command table.
 */
export function readReferenceSpelling(
  args: readonly string[],
  options: Options,
  commands: readonly Pick<CommandSpec, 'name' | 'options'>[],
): Result<ReferenceSpelling, string> {
  const known = withReferenceFlags(options);
  const { tokens } = parseArgs({
    args: [...args],
    options: known,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const positionals = tokens.filter((token) => token.kind === 'positional');
  const [commandToken, subcommandToken] = positionals;
  const spec = commands.find((command) => command.name === commandToken?.value);
  if (spec === undefined || !REFERENCE_COMMANDS.includes(spec.name)) return ok({ args, notes: [] });

  const rewritten: (string | null)[] = [...args];
  let command = spec.name;
  if (command === 'env' && subcommandToken !== undefined) {
    const dashed = subcommandToken.value.replaceAll('_', '-');
    if (ENV_COMMANDS.some((env) => env.name === dashed)) rewritten[subcommandToken.index] = dashed;
    command = `env ${dashed}`;
  }
  const { notes, spellings, runFolderFlag } = rewriteFlags(tokens, command, spec.options, rewritten);
  for (const [ours, given] of spellings)
    if (given.size > 1)
      return err(`${[...given].join(' and ')} are one option (--${ours}) in two spellings; give it once`);
  const referenceSpelt = [...spellings.values()].some((given) => [...given].some((raw) => raw.includes('_')));
  const option = (name: string): boolean => tokens.some((token) => token.kind === 'option' && token.name === name);
  if (command === 'agent' && referenceSpelt && !option('protocol')) notes.push(AGENT_PROTOCOL);
  // An unknown flag stays as typed, for the parser to refuse by name; a value after it may have
  // been read as a positional here, so the positionals are not counted then.
  const unknown = tokens.some((token) => token.kind === 'option' && !(token.name in known));
  if (runFolderFlag !== null && !unknown && positionals.length > 1)
    return err(
      `\`awm verify\` takes the run folder once: as RUN_DIR or as ${runFolderFlag} RUN_DIR (the reference's spelling), not both`,
    );
  return ok({ args: rewritten.filter((arg): arg is string => arg !== null), notes });
}

/** The parser's options plus each dashed one spelled with `_`, and the reference-only flags. */
function withReferenceFlags(options: Options): Options {
  const known: Options = { ...options };
  for (const name of Object.keys(options))
    if (name.includes('-')) known[name.replaceAll('-', '_')] = { type: options[name]!.type };
  for (const { flag } of REFERENCE_ONLY_FLAGS) known[flag] = { type: 'string' };
  return known;
}

type Token = ReturnType<typeof parseArgs<{ tokens: true; strict: false; allowPositionals: true }>>['tokens'][number];

interface RewrittenFlags {
  readonly notes: string[];
  /** Each option of ours given, with the spellings it was given in. */
  readonly spellings: Map<string, Set<string>>;
  /** The reference flag that gave verify's run folder, if one did. */
  readonly runFolderFlag: string | null;
}

/** Rewrites, in `rewritten` (null: dropped), the long flags of `command` that `ours` has in another spelling. */
function rewriteFlags(
  tokens: readonly Token[],
  command: string,
  ours: Options,
  rewritten: (string | null)[],
): RewrittenFlags {
  const notes: string[] = [];
  const spellings = new Map<string, Set<string>>();
  let runFolderFlag: string | null = null;
  for (const token of tokens) {
    if (token.kind !== 'option' || !token.rawName.startsWith('--')) continue;
    const referenceOnly = REFERENCE_ONLY_FLAGS.find((flag) => flag.command === command && flag.flag === token.name);
    if (referenceOnly !== undefined) {
      rewritten[token.index] = null;
      if (token.value !== undefined && !token.inlineValue) rewritten[token.index + 1] = null;
      if (referenceOnly.becomes === 'run-folder') {
        rewritten[token.index] = token.value ?? null;
        runFolderFlag = token.rawName;
      } else
        notes.push(
          `${token.rawName}${token.value === undefined ? '' : ` ${token.value}`} is not read: ${referenceOnly.why}`,
        );
      continue;
    }
    const name = token.name.replaceAll('_', '-');
    if (!name.includes('-') || !(name in ours)) continue;
    spellings.set(name, (spellings.get(name) ?? new Set()).add(token.rawName));
    if (name !== token.name) rewritten[token.index] = token.inlineValue ? `--${name}=${token.value}` : `--${name}`;
  }
  return { notes, spellings, runFolderFlag };
}
