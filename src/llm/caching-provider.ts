// Puts the response cache in front of a provider. `fresh` (e.g. `--force`) skips reads but still
// writes, so the next plain build reuses what the forced one paid for.
import { ok, type Result } from '../util/result.js';
import type { ResponseCache } from './response-cache.js';
import type { ChatAnswer, ChatOptions, ChatRequest, LlmError, LlmNotice, LlmProvider, RequestTag } from './types.js';

export interface CachingProviderOptions {
  readonly fresh: boolean;
  /** Told once if answers cannot be stored (disk full, no permission): the build goes on uncached. */
  readonly onNotice: (notice: LlmNotice) => void;
}

export class CachingProvider implements LlmProvider {
  readonly name: string;
  readonly #inner: LlmProvider;
  readonly #cache: ResponseCache;
  readonly #options: CachingProviderOptions;
  #warnedAboutWrites = false;

  constructor(inner: LlmProvider, cache: ResponseCache, options: CachingProviderOptions) {
    this.name = inner.name;
    this.#inner = inner;
    this.#cache = cache;
    this.#options = options;
  }

  async chat(request: ChatRequest, tag: RequestTag, options: ChatOptions = {}): Promise<Result<ChatAnswer, LlmError>> {
    if (!this.#options.fresh) {
      const hit = await this.#cache.read(request);
      if (hit !== null) return ok({ ...hit, cached: true });
    }
    const answer = await this.#inner.chat(request, tag, options);
    if (answer.ok) this.#store(request, answer.value);
    return answer;
  }

  embed(texts: readonly string[], tag: RequestTag): Promise<Result<number[][], LlmError>> {
    return this.#inner.embed(texts, tag);
  }

  #store(request: ChatRequest, answer: ChatAnswer): void {
    const written = this.#cache.write(request, answer);
    if (written.ok || this.#warnedAboutWrites) return;
    this.#warnedAboutWrites = true;
    this.#options.onNotice({ code: 'cache-not-writable', problem: written.error });
  }
}
