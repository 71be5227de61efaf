// Whether this machine lets us run a child in its own user, mount, network and PID namespaces.
// Decided once per process by doing it: the real wrapper (child-command.ts), setup script included,
// runs `node --version` on a throw-away scratch folder. Reading sysctls or kernel versions would
// guess; a container's seccomp policy, a missing util-linux or an odd mount only show by trying.
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import { wrapCommand, type NamespaceTools } from './child-command.js';

export type NamespaceSupport =
  { readonly available: true; readonly tools: NamespaceTools } | { readonly available: false; readonly reason: string };

const SEARCH_PATH = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];
const PROBE_TIMEOUT_MS = 10_000;

let detected: Promise<NamespaceSupport> | null = null;

/** The answer for this process, probed on first use. `nodePath` is the node the children will run. */
export function namespaceSupport(nodePath: string): Promise<NamespaceSupport> {
  detected ??= probe(nodePath);
  return detected;
}

async function probe(nodePath: string): Promise<NamespaceSupport> {
  const tools = locateTools();
  if (!tools.ok) return { available: false, reason: tools.error };
  const scratchDir = mkdtempSync(join(tmpdir(), 'awm-sandbox-probe-'));
  try {
    const command = wrapCommand({
      wrapping: { isolation: 'namespaces', tools: tools.value },
      scratchDir,
      memoryMb: 64,
      program: [nodePath, '--version'],
    });
    const outcome = await run(command.file, command.args, scratchDir);
    return outcome.ok ? { available: true, tools: tools.value } : { available: false, reason: outcome.error };
  } finally {
    rmSync(scratchDir, { recursive: true, force: true });
  }
}

function locateTools(): Result<NamespaceTools, string> {
  const found: Partial<Record<keyof NamespaceTools, string>> = {};
  const missing: string[] = [];
  for (const name of ['unshare', 'mount', 'setpriv', 'sed'] as const) {
    const path = SEARCH_PATH.map((folder) => join(folder, name)).find(isExecutable);
    if (path === undefined) missing.push(name);
    else found[name] = path;
  }
  if (missing.length > 0)
    return err(`${missing.join(', ')} not found in ${SEARCH_PATH.join(', ')} (util-linux provides them)`);
  return ok(found as NamespaceTools);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(file: string, args: readonly string[], cwd: string): Promise<Result<void, string>> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: {}, timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error === null && /^v\d+\./.test(stdout.trim())) return resolve(ok(undefined));
        const why =
          error === null
            ? `it printed ${JSON.stringify(stdout.trim())}`
            : error.killed
              ? `it did not finish within ${PROBE_TIMEOUT_MS} ms`
              : `it ended with ${error.signal ?? `exit code ${String(error.code)}`}`;
        const detail = stderr.trim().split('\n').slice(-3).join(' ').trim();
        resolve(
          err(
            `a trial run of \`${file} --user --map-root-user --mount --net --pid …\` did not work: ${why}${detail === '' ? '' : `: ${detail}`}`,
          ),
        );
      },
    );
  });
}
