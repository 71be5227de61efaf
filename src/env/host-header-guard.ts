// DNS rebinding: a web page can make a browser send requests to 127.0.0.1 under the page's own host
// name. Only the loopback names with the bound port are accepted in the Host header.
import { allowed, type GuardVerdict } from './http-guard.js';

/** `127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`, and the bound host when it is a name of its own. */
export function allowedHosts(boundHost: string, port: number): ReadonlySet<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]'];
  const bound = boundHost.includes(':') ? `[${boundHost}]` : boundHost;
  if (!['0.0.0.0', '[::]'].includes(bound) && !names.includes(bound)) names.push(bound);
  return new Set(names.flatMap((name) => (port === 80 ? [`${name}:80`, name] : [`${name}:${port}`])));
}

export function hostHeaderVerdict(host: string | undefined, allowedHostSet: ReadonlySet<string>): GuardVerdict {
  if (host !== undefined && allowedHostSet.has(host.toLowerCase())) return allowed;
  return {
    ok: false,
    status: 403,
    code: 'host-not-allowed',
    message:
      host === undefined
        ? 'Forbidden: the request has no Host header'
        : `Forbidden: Host ${JSON.stringify(host)} is not allowed; use ${[...allowedHostSet][0]}`,
  };
}
