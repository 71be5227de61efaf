// A fetch for the openai client that refuses an answer larger than `llm.max_answer_kb` while it
// arrives: a declared Content-Length over the cap is refused before the body is read, and a body
// without one is counted chunk by chunk and cut off (the connection closed) once past the cap. So
// a runaway answer costs at most the cap in memory, never its whole size.

/** Thrown into the openai client; describe-openai-error.ts turns it into a `too-large` failure. */
export class AnswerTooLargeError extends Error {
  constructor(
    readonly limitBytes: number,
    /** The size the server declared (Content-Length), or null when it was counted as it came. */
    readonly declaredBytes: number | null,
  ) {
    super(`the answer is larger than ${limitBytes} bytes`);
    this.name = 'AnswerTooLargeError';
  }
}

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function cappedFetch(limitBytes: number, inner: Fetch = fetch): Fetch {
  return async (input, init) => {
    const response = await inner(input, init);
    // A compressed body's Content-Length says nothing of what it unpacks to: count that instead.
    const compressed = response.headers.has('content-encoding');
    const declared = compressed ? Number.NaN : Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > limitBytes) {
      await response.body?.cancel();
      throw new AnswerTooLargeError(limitBytes, declared);
    }
    if (response.body === null) return response;
    return new Response(countedBody(response.body, limitBytes), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The same bytes, pulled one chunk at a time; past the limit the source is cancelled and reading fails. */
function countedBody(body: ReadableStream<Uint8Array>, limitBytes: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let received = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      received += value.byteLength;
      if (received <= limitBytes) return controller.enqueue(value);
      controller.error(new AnswerTooLargeError(limitBytes, null));
      await reader.cancel();
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
