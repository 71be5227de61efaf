// A POST body read and parsed here, before the SDK's transport sees the request: the endpoint must
// know whether a request without an MCP session id is an initialize (a new MCP session) or not, and
// a body handed over parsed spares the transport its web-stream read of the Node request.
import type { IncomingMessage } from 'node:http';

export type RequestJson =
  | { readonly kind: 'parsed'; readonly value: unknown }
  | { readonly kind: 'too-large'; readonly maxBytes: number }
  | { readonly kind: 'invalid-json' };

/** The SDK transport's own limit (4 MiB): a body over it is refused without reading the rest. */
export const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

export function readRequestJson(request: IncomingMessage, maxBytes = MAX_REQUEST_BYTES): Promise<RequestJson> {
  if (Number(request.headers['content-length']) > maxBytes) return Promise.resolve({ kind: 'too-large', maxBytes });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received <= maxBytes) return void chunks.push(chunk);
      request.off('data', onData).off('end', onEnd).off('error', reject);
      resolve({ kind: 'too-large', maxBytes });
    };
    const onEnd = (): void => {
      try {
        resolve({ kind: 'parsed', value: JSON.parse(Buffer.concat(chunks, received).toString('utf8')) as unknown });
      } catch {
        resolve({ kind: 'invalid-json' });
      }
    };
    request.on('data', onData).once('end', onEnd).once('error', reject);
  });
}
