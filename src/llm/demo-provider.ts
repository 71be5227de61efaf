// The offline demo provider: answers from recorded example responses, one file per request,
// chosen by the request's tag (stage, scenario, item), never by prompt text, so editing a prompt
// does not break the demo. Every attempt of a repair loop gets the same recorded text. Settings
// that only a real model reads (temperature, max_tokens, reasoning_effort) are ignored.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '../util/result.js';
import type { Embedder } from './embedder.js';
import { HOW_TO_CONFIGURE } from './environment.js';
import { tokenCounterFor } from './token-count.js';
import type { ChatAnswer, ChatRequest, LlmError, LlmProvider, RequestTag } from './types.js';

export const DEMO_MODEL = 'awm-demo-recorded';

export interface DemoProviderOptions {
  /** The project folder; `folder` is relative to it. */
  readonly root: string;
  /** LlmSettings.demoResponses, e.g. `demo/recorded-responses`. */
  readonly folder: string;
  readonly embedder: Embedder;
}

/** A tag part becomes a path segment, so it must not be able to climb out of the folder. */
const SAFE_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** `<folder>/<scenario or _global>/<stage>[.<item>].json`, with forward slashes, as shown to users. */
export function recordedAnswerPath(folder: string, tag: Pick<RequestTag, 'stage' | 'scenario' | 'item'>): string {
  const file = tag.item === null ? `${tag.stage}.json` : `${tag.stage}.${tag.item}.json`;
  return [folder.replace(/\\/g, '/').replace(/\/+$/, ''), tag.scenario ?? '_global', file].join('/');
}

export class DemoProvider implements LlmProvider {
  readonly name = 'demo';
  readonly #options: DemoProviderOptions;

  constructor(options: DemoProviderOptions) {
    this.#options = options;
  }

  async chat(request: ChatRequest, tag: RequestTag): Promise<Result<ChatAnswer, LlmError>> {
    const relative = recordedAnswerPath(this.#options.folder, tag);
    const unsafe = [tag.stage, tag.scenario, tag.item].some(
      (part) => part !== null && (!SAFE_SEGMENT.test(part) || part.includes('..')),
    );
    if (unsafe) return err(missing(tag, `${relative} is not a usable file name`));
    let text: string;
    try {
      text = await readFile(path.resolve(this.#options.root, relative), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return err(
        missing(
          tag,
          code === 'ENOENT' ? `${relative} does not exist` : `${relative} could not be read (${code ?? String(error)})`,
        ),
      );
    }
    return ok({ text, usage: await countUsage(request, text), cached: false, finishReason: 'stop' });
  }

  async embed(texts: readonly string[]): Promise<Result<number[][], LlmError>> {
    const embedded = await this.#options.embedder.embed(texts);
    return embedded.ok ? ok(embedded.value.vectors) : embedded;
  }
}

function missing(tag: RequestTag, problem: string): LlmError {
  const scenario = tag.scenario === null ? '' : ` of scenario '${tag.scenario}'`;
  const item = tag.item === null ? '' : ` (item '${tag.item}')`;
  return {
    kind: 'no-recorded-answer',
    message:
      `the offline demo provider has no recorded answer for stage '${tag.stage}'${scenario}${item}: ${problem}. ` +
      `It only knows the bundled demo scenarios; to synthesize others, configure a real LLM: ${HOW_TO_CONFIGURE}.`,
  };
}

/** What a real model would have counted for this prompt and answer, so offline summaries show real figures. */
async function countUsage(request: ChatRequest, answer: string): Promise<ChatAnswer['usage']> {
  const counter = await tokenCounterFor(request.model);
  return { promptTokens: counter.chat(request.messages), completionTokens: counter.text(answer) };
}
