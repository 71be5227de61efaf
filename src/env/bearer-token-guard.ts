// An optional per-run bearer token: `Authorization: Bearer <token>`. Both sides are hashed before
// the constant-time comparison, so neither the content nor the length of the token leaks through
// timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { allowed, type GuardVerdict } from './http-guard.js';

export function bearerTokenVerdict(authorization: string | undefined, token: string): GuardVerdict {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (match === null)
    return {
      ok: false,
      status: 401,
      code: 'token-missing',
      message: 'Unauthorized: send the run token as "Authorization: Bearer <token>"',
    };
  if (!timingSafeEqual(digest(match[1] ?? ''), digest(token)))
    return { ok: false, status: 401, code: 'token-wrong', message: 'Unauthorized: the bearer token is wrong' };
  return allowed;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
