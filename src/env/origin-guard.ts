// Browsers send an Origin header with cross-site requests; agents, SDK clients and curl do not. The
// env serves no web page, so any request carrying one is refused.
import { allowed, type GuardVerdict } from './http-guard.js';

export function originVerdict(origin: string | undefined): GuardVerdict {
  if (origin === undefined) return allowed;
  return {
    ok: false,
    status: 403,
    code: 'origin-refused',
    message: `Forbidden: requests with an Origin header (${JSON.stringify(origin)}) are refused; the env serves no web pages`,
  };
}
