// What an HTTP guard decides, as a value, and the one adapter that turns a refusal into a response.
// The guards themselves are pure (one per file: host-header-guard, origin-guard, bearer-token-guard)
// and need no server to test. The SDK's Streamable HTTP transport checks neither Host nor Origin by
// default, so these run before a request reaches it.
import type { ServerResponse } from 'node:http';

export type GuardVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly status: 401 | 403;
      readonly code: 'host-not-allowed' | 'origin-refused' | 'token-missing' | 'token-wrong';
      readonly message: string;
    };

export const allowed: GuardVerdict = { ok: true };

/** A JSON-RPC error body, as the SDK's transport answers its own refusals (-32000 unless said). */
export function sendRefusal(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

export function sendGuardRefusal(response: ServerResponse, verdict: Extract<GuardVerdict, { ok: false }>): void {
  sendRefusal(
    response,
    verdict.status,
    verdict.message,
    verdict.status === 401 ? { 'www-authenticate': 'Bearer' } : {},
  );
}
