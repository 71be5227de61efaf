// Finding the python3 that runs Python children (the reference pipeline's verifiers). Trusted work:
// the interpreter itself runs once, outside the sandbox and with awm's own environment (a pyenv or
// asdf shim needs it), to say where its real executable is; that path is what the sandboxed children
// start, since their environment is empty and has no PATH.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { err, ok, type Result } from '../util/result.js';

export interface PythonInterpreter {
  /** The real executable (sys.executable), absolute. */
  readonly path: string;
  /** `3.11`. */
  readonly version: string;
}

export interface PythonChoice {
  /** A command name looked up on the search path, or a path; `python3` by default. */
  readonly command?: string | undefined;
  /** The search path (PATH syntax); awm's own PATH by default. */
  readonly searchPath?: string | undefined;
}

const PROBE_TIMEOUT_MS = 15_000;
const MINIMUM = [3, 8] as const;
const HOW_TO_GET =
  'Install Python 3.8 or newer (Debian/Ubuntu: `apt-get install python3`; Fedora: `dnf install python3`; ' +
  'macOS: `brew install python`; or https://www.python.org/downloads/) and put `python3` on PATH; ' +
  'the standard library is all it needs.';
const PROBE = 'import sys, sqlite3, json; print(sys.executable); print("%d.%d" % sys.version_info[:2])';

const found = new Map<string, Promise<Result<PythonInterpreter, string>>>();

/** The interpreter, or a message saying that Python verifiers need python3 and how to get it. Cached per choice. */
export function findPython(choice: PythonChoice = {}): Promise<Result<PythonInterpreter, string>> {
  const command = choice.command ?? 'python3';
  const searchPath = choice.searchPath ?? process.env['PATH'] ?? '';
  const key = `${command}\0${searchPath}`;
  let answer = found.get(key);
  if (answer === undefined) {
    answer = locate(command, searchPath);
    found.set(key, answer);
  }
  return answer;
}

async function locate(command: string, searchPath: string): Promise<Result<PythonInterpreter, string>> {
  const needed = `running this Python verifier needs \`${command}\``;
  const candidate = command.includes('/')
    ? isAbsolute(command) && isExecutable(command)
      ? command
      : null
    : searchPath
        .split(delimiter)
        .filter((folder) => folder !== '')
        .map((folder) => join(folder, command))
        .find(isExecutable);
  if (candidate === undefined || candidate === null) {
    const where = command.includes('/') ? `${command} is not an executable file` : `it is not on PATH (${searchPath})`;
    return err(`${needed}, but ${where}. ${HOW_TO_GET}`);
  }
  const probe = await run(candidate);
  if (!probe.ok) return err(`${needed}, but ${candidate} did not run: ${probe.error}. ${HOW_TO_GET}`);
  const [path = '', version = ''] = probe.value.trim().split('\n');
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (!isAbsolute(path)) return err(`${needed}, but ${candidate} does not say where its executable is. ${HOW_TO_GET}`);
  if (major !== MINIMUM[0] || minor < MINIMUM[1])
    return err(`${needed} 3.8 or newer, but ${candidate} is Python ${version}. ${HOW_TO_GET}`);
  return ok({ path, version });
}

function run(file: string): Promise<Result<string, string>> {
  return new Promise((resolve) => {
    execFile(
      file,
      ['-I', '-B', '-S', '-c', PROBE],
      { env: process.env, timeout: PROBE_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (error === null) return resolve(ok(stdout));
        const last = stderr.trim().split('\n').pop() ?? '';
        resolve(
          err(`${error.killed ? 'it did not answer in time' : error.message.split('\n')[0]}${last ? `: ${last}` : ''}`),
        );
      },
    );
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
