// The command line that starts a sandboxed child, as data (no IO here, so it can be read and tested
// on its own). With namespaces:
//
//   unshare --user --map-root-user --mount --net --pid --fork --kill-child --mount-proc
//     sh -c NAMESPACE_SETUP awm-sandbox <scratch> <data-limit-kb> <hide-run> node … child-entry.js
//
// The setup runs as root of the new user namespace: it binds the scratch folder onto itself (so it
// is a mount of its own), remounts every writable mount read-only, keeping the flags the user
// namespace may not clear (nosuid, nodev, noexec, atime), hides /run (where daemons keep their
// sockets: a read-only mount does not stop connect() on a Unix socket), makes
// the scratch folder writable again but noexec, nosuid, nodev, sets the memory limit, and drops
// every capability, so the child can neither undo the mounts nor gain privileges by exec. `sh` stays
// as PID 1 of the new PID namespace and waits: a PID 1 ignores signals it has no handler for, which
// would turn node's abort() into a hang or a different signal.
//
// Without namespaces it is only `sh -c FALLBACK awm-sandbox <data-limit-kb> node …`.

/** Absolute paths of the programs the namespace setup runs (found once, see namespace-support.ts). */
export interface NamespaceTools {
  readonly unshare: string;
  readonly mount: string;
  readonly setpriv: string;
  readonly sed: string;
}

export const SHELL = '/bin/sh';

/**
 * What Node itself needs on top of the entry's `memoryMb`, measured (see README.md): its threads'
 * stacks, code and start-up allocations. A child given less does not start.
 */
export const NODE_BASELINE_MB = 128;

export interface ChildCommand {
  readonly file: string;
  readonly args: readonly string[];
}

export type Wrapping =
  { readonly isolation: 'namespaces'; readonly tools: NamespaceTools } | { readonly isolation: 'none' };

export interface WrapPlan {
  readonly wrapping: Wrapping;
  readonly scratchDir: string;
  readonly memoryMb: number;
  /** The program and its arguments, started inside the wrapping. */
  readonly program: readonly string[];
}

export function wrapCommand(plan: WrapPlan): ChildCommand {
  const dataLimitKb = String((plan.memoryMb + NODE_BASELINE_MB) * 1024);
  if (plan.wrapping.isolation === 'none') {
    return { file: SHELL, args: ['-c', FALLBACK_SETUP, 'awm-sandbox', dataLimitKb, ...plan.program] };
  }
  const { tools } = plan.wrapping;
  const hideRun = isInside(plan.scratchDir, '/run') ? '0' : '1';
  return {
    file: tools.unshare,
    args: [
      ...['--user', '--map-root-user', '--mount', '--net', '--pid', '--fork', '--kill-child', '--mount-proc'],
      ...[SHELL, '-c', namespaceSetup(tools), 'awm-sandbox', plan.scratchDir, dataLimitKb, hideRun, ...plan.program],
    ],
  };
}

const FALLBACK_SETUP = ['set -eu', 'data_kb=$1', 'shift', 'ulimit -d "$data_kb"', 'exec "$@"'].join('\n');

function namespaceSetup(tools: NamespaceTools): string {
  const mount = `${shellQuote(tools.mount)} -n`; // -n: no utab bookkeeping, which is read-only here anyway
  return [
    'set -eu',
    'scratch=$1 data_kb=$2 hide_run=$3',
    'shift 3',
    `${mount} --bind -- "$scratch" "$scratch"`,
    // mountinfo: id parent major:minor root mount-point options …; names escape space, tab, newline, \ as \ooo.
    'while read -r _ _ _ _ point options _; do',
    '  case $options in ro*) continue ;; esac',
    '  case $point in *\\\\*)',
    `    point=$(printf '%s' "$point" | ${shellQuote(tools.sed)} 's/\\\\\\([0-7][0-7][0-7]\\)/\\\\0\\1/g')`,
    `    point=$(printf '%b.' "$point"); point=\${point%.} ;;`,
    '  esac',
    '  kept=${options#r[ow]}; kept=${kept#,}',
    `  ${mount} -o "remount,bind,ro\${kept:+,$kept}" -- "$point"`,
    'done < /proc/self/mountinfo',
    `if [ "$hide_run" = 1 ] && [ -d /run ]; then ${mount} -t tmpfs -o ro,nosuid,nodev,noexec,size=4k tmpfs /run; fi`,
    `${mount} -o remount,bind,rw,nosuid,nodev,noexec -- "$scratch"`,
    'ulimit -d "$data_kb"',
    `${shellQuote(tools.setpriv)} --no-new-privs --inh-caps=-all --bounding-set=-all -- "$@" &`,
    'wait "$!"',
  ].join('\n');
}

export interface NodePlan {
  readonly nodePath: string;
  /** `process.version` of that node, e.g. `v20.20.2`: the permission flag's name depends on it. */
  readonly nodeVersion: string;
  readonly scratchDir: string;
  readonly memoryMb: number;
  readonly childEntry: string;
}

/**
 * node with the JS heap capped at `memoryMb`, and Node's permission model as a second layer: no
 * child processes or worker threads, JavaScript file writes only into the scratch folder. The
 * permission model does not contain native code (SQLite writes past it), hence the namespaces.
 */
export function nodeCommand(plan: NodePlan): string[] {
  return [
    plan.nodePath,
    `--max-old-space-size=${plan.memoryMb}`,
    '--no-warnings',
    permissionFlag(plan.nodeVersion),
    '--allow-fs-read=*',
    `--allow-fs-write=${plan.scratchDir}`,
    '--allow-addons',
    plan.childEntry,
  ];
}

export interface PythonPlan {
  /** The real executable (python-interpreter.ts): the child's environment has no PATH. */
  readonly interpreter: string;
  /** The whole program (python-child-program.ts). */
  readonly source: string;
}

/**
 * python3 isolated from its environment and user site (-I), writing no bytecode (-B), without
 * site-packages (-S: the standard library only). Python has no permission model: the namespaces
 * are its only containment beyond the environment and the limits.
 */
export function pythonCommand(plan: PythonPlan): string[] {
  return [plan.interpreter, '-I', '-B', '-S', '-c', plan.source];
}

/** Node renamed `--experimental-permission` to `--permission` in 22.13 and 23.5. */
export function permissionFlag(nodeVersion: string): string {
  const [major = 0, minor = 0] = nodeVersion.replace(/^v/, '').split('.').map(Number);
  const renamed = major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13);
  return renamed ? '--permission' : '--experimental-permission';
}

/** The child's whole environment: nothing is inherited, so no API key or token can leak into it. */
export function childEnvironment(
  scratchDir: string,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return { TMPDIR: scratchDir, SQLITE_TMPDIR: scratchDir, HOME: scratchDir, TZ: 'UTC', ...extra };
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}
