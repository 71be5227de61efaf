// The content-addressed response cache: one file per answered request, named by the SHA-256 of
// the request's canonical JSON. A crashed or stopped build resumes for free, and a rerun of an
// unchanged request costs nothing. Only what decides the answer is in the key: never the tag,
// credentials, base URL or timeouts. Errors are never stored.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { asRequestHash, type RequestHash } from '../util/brand.js';
import { atomicWriteFile } from '../util/atomic-write.js';
import { prettyJson, sortKeysDeep } from '../util/canonical-json.js';
import { hashValue } from '../util/hash.js';
import { err, ok, type Result } from '../util/result.js';
import type { ChatAnswer, ChatRequest } from './types.js';

/** Bump when the file layout changes, so old files are ignored instead of misread. */
const FORMAT = 1;

interface CacheFile {
  readonly format: number;
  readonly request: ChatRequest;
  readonly answer: Omit<ChatAnswer, 'cached'>;
}

/** Exactly the fields that decide the answer; anything else a caller attached is left out. */
export function cacheKeyOf(request: ChatRequest): RequestHash {
  return asRequestHash(hashValue(keyFields(request)));
}

export class ResponseCache {
  readonly directory: string;

  constructor(directory: string) {
    this.directory = directory;
  }

  /** Two-level layout (`ab/abcd….json`) keeps folders small for 100,000 answers. */
  pathOf(key: RequestHash): string {
    return path.join(this.directory, key.slice(0, 2), `${key}.json`);
  }

  /** The stored answer, or null when absent or unreadable (a damaged file is simply a miss). */
  async read(request: ChatRequest): Promise<Omit<ChatAnswer, 'cached'> | null> {
    let text: string;
    try {
      text = await readFile(this.pathOf(cacheKeyOf(request)), 'utf8');
    } catch {
      return null;
    }
    return parseCacheFile(text);
  }

  /**
   * Stores an answer the moment it arrives, before anything looks at it, synchronously: a crash a
   * moment later never pays for it twice. Written to a temp file beside it and renamed, so a crash
   * never leaves half a file under the real name. An answer that later fails validation is still
   * stored; reusing it means validating it again, so it is never taken as valid.
   */
  write(request: ChatRequest, answer: ChatAnswer): Result<void, string> {
    const file = this.pathOf(cacheKeyOf(request));
    const content: CacheFile = {
      format: FORMAT,
      request: keyFields(request),
      answer: { text: answer.text, usage: answer.usage, finishReason: answer.finishReason },
    };
    try {
      atomicWriteFile(file, prettyJson(sortKeysDeep(content)));
      return ok(undefined);
    } catch (error) {
      return err(`could not write ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

function keyFields(request: ChatRequest): ChatRequest {
  return {
    model: request.model,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    temperature: request.temperature,
    max_tokens: request.max_tokens,
    // Absent when unset (canonical JSON leaves out undefined), so older keys stay valid.
    reasoning_effort: request.reasoning_effort,
    json: request.json,
  };
}

function parseCacheFile(text: string): Omit<ChatAnswer, 'cached'> | null {
  try {
    const file = JSON.parse(text) as Partial<CacheFile>;
    const answer = file.answer;
    const usable =
      file.format === FORMAT &&
      typeof answer?.text === 'string' &&
      typeof answer.usage?.promptTokens === 'number' &&
      typeof answer.usage.completionTokens === 'number';
    return usable ? { text: answer.text, usage: answer.usage, finishReason: answer.finishReason ?? null } : null;
  } catch {
    return null;
  }
}
