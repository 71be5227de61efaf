// The env commands' option values, checked: each problem names the flag, what it got and what it takes.
import { err, ok, type Result } from '../util/result.js';
import type { CliIo, CommandRequest } from './io.js';

type Values = CommandRequest['values'];

/** The reference's default port. */
export const DEFAULT_PORT = 8000;

export function stringOption(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredScenario(values: Values, command: string): Result<string, string> {
  const scenario = stringOption(values, 'scenario')?.trim();
  if (scenario === undefined || scenario === '')
    return err(
      `\`awm env ${command}\` needs --scenario S, the scenario whose env to use (e.g. --scenario online_bookstore)`,
    );
  return ok(scenario);
}

export function portOption(values: Values): Result<number, string> {
  const text = stringOption(values, 'port');
  if (text === undefined) return ok(DEFAULT_PORT);
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(port) || port > 65_535)
    return err(`--port must be a port number from 0 to 65535, 0 for a free one (got "${text}")`);
  return ok(port);
}

export function hostOption(values: Values): Result<string, string> {
  const host = stringOption(values, 'host') ?? '127.0.0.1';
  if (host.trim() === '' || /[\s/]/.test(host))
    return err(`--host must be an address or host name to listen on, such as 127.0.0.1 (got "${host}")`);
  return ok(host.replace(/^\[(.*)\]$/, '$1'));
}

export function tokenOption(values: Values): Result<string | undefined, string> {
  const token = stringOption(values, 'token');
  if (token === undefined) return ok(undefined);
  if (token.trim() === '' || /[\s]/.test(token))
    return err(
      '--token must be a non-empty string without spaces (clients send it as `Authorization: Bearer <token>`)',
    );
  return ok(token);
}

export function jobsOption(values: Values, fallback: number): Result<number, string> {
  const text = stringOption(values, 'jobs');
  if (text === undefined) return ok(fallback);
  const jobs = Number(text);
  if (!Number.isInteger(jobs) || jobs < 1) return err(`--jobs must be a whole number of at least 1 (got "${text}")`);
  return ok(jobs);
}

/** Loopback addresses: anything else exposes the tools to whoever can reach the address. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Says `message` on stderr and returns `code`, the command's exit code. */
export function exitWith(io: Pick<CliIo, 'stderr'>, message: string, code: number): number {
  io.stderr.write(`awm: ${message}\n`);
  return code;
}
