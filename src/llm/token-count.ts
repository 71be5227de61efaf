// Counts a chat request's tokens as OpenAI's models read them (BPE through gpt-tokenizer, ranks
// bundled, nothing downloaded). The ranks cost ~200 ms and ~60 MB to load, so they are imported on
// first use: only when a request is about to be sent or a demo answer is produced, never on a no-op
// build. The one module that imports gpt-tokenizer.
import type { ChatMessage } from './types.js';

/** The BPE encodings awm knows: o200k for current OpenAI models, cl100k for gpt-4 and gpt-3.5. */
export type EncodingName = 'o200k_base' | 'cl100k_base';

/**
 * Tokens OpenAI adds around each message (the role and separators) and to prime the reply, as in
 * their cookbook's count for chat models.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_REPLY = 3;

/** gpt-4 (gpt-4-turbo, gpt-4-0613, …) and gpt-3.5-turbo use cl100k; gpt-4o, gpt-4.1, gpt-5, o1/o3/o4 and anything unknown use o200k. */
export function encodingFor(model: string): EncodingName {
  const name = baseModelName(model);
  return /^gpt-3\.5(-|$)/.test(name) || /^gpt-4(-|$)/.test(name) ? 'cl100k_base' : 'o200k_base';
}

/** `openai/gpt-4o` → `gpt-4o`: routers and local servers often put a vendor in front. */
export function baseModelName(model: string): string {
  return (model.split('/').pop() ?? model).trim().toLowerCase();
}

export interface TokenCounter {
  readonly encoding: EncodingName;
  /** Tokens of a text, special-token look-alikes (`<|endoftext|>`) counted as plain text. */
  text(text: string): number;
  /** Tokens of the messages as a prompt: each message's role and content, plus the overheads. */
  chat(messages: readonly ChatMessage[]): number;
}

type CountText = (text: string) => number;

const loaded = new Map<EncodingName, Promise<CountText>>();

/** The counter for a model's encoding; the first call for an encoding loads its ranks. */
export async function tokenCounterFor(model: string): Promise<TokenCounter> {
  const encoding = encodingFor(model);
  let load = loaded.get(encoding);
  if (load === undefined) {
    load = loadEncoding(encoding);
    loaded.set(encoding, load);
  }
  const countText = await load;
  return {
    encoding,
    text: countText,
    chat: (messages) =>
      messages.reduce(
        (sum, message) => sum + TOKENS_PER_MESSAGE + countText(message.role) + countText(message.content),
        TOKENS_PER_REPLY,
      ),
  };
}

/** Prompt tokens of a chat request for `model` (loads the encoding on first use). */
export async function countChatTokens(model: string, messages: readonly ChatMessage[]): Promise<number> {
  return (await tokenCounterFor(model)).chat(messages);
}

async function loadEncoding(encoding: EncodingName): Promise<CountText> {
  // An empty disallowed set: a prompt that quotes `<|endoftext|>` is text, not an error.
  const plain = { disallowedSpecial: new Set<string>() };
  if (encoding === 'cl100k_base') {
    const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
    return (text) => countTokens(text, plain);
  }
  const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
  return (text) => countTokens(text, plain);
}
