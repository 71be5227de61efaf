// Which LLM the environment variables point at. Pure: the caller passes the environment (the CLI
// passes process.env), so tests and the engine never depend on the shell they run in.
import { err, ok, type Result } from '../util/result.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type ChatEndpoint =
  | { readonly kind: 'demo' }
  /** OpenAI itself or any OpenAI-compatible server (vLLM, llama.cpp, Ollama). */
  | { readonly kind: 'openai'; readonly apiKey: string; readonly baseUrl: string }
  | { readonly kind: 'azure'; readonly endpoint: string; readonly apiKey: string; readonly apiVersion: string };

export interface EmbeddingEndpoint {
  readonly apiKey: string;
  readonly baseUrl: string;
  /** Where the key came from, for error messages. */
  readonly keyVariable: 'EMBEDDING_OPENAI_API_KEY' | 'OPENAI_API_KEY';
}

export interface LlmEnvironment {
  readonly chat: ChatEndpoint;
  /** null: no embedding endpoint, so the offline n-gram vectors are used. */
  readonly embedding: EmbeddingEndpoint | null;
  readonly embeddingModel: string;
  /** AWM_SYN_OVERRIDE_MODEL: the model for every stage, over the pipeline file. */
  readonly overrideModel: string | null;
}

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';
export const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-small';
/** The Azure OpenAI GA API version used when neither OPENAI_API_VERSION nor the URL names one. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
/** Local servers usually ignore the key, but the openai client insists on having one. */
const KEYLESS_PLACEHOLDER = 'no-key-set';

export const HOW_TO_CONFIGURE =
  'set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible server such as vLLM or Ollama), ' +
  'or AWM_SYN_LLM_PROVIDER=azure with AZURE_ENDPOINT_URL and AZURE_OPENAI_API_KEY';

/** Every problem is reported at once, one line each. */
export function resolveLlmEnvironment(env: Env): Result<LlmEnvironment, readonly string[]> {
  const chat = resolveChatEndpoint(env);
  const embedding = resolveEmbeddingEndpoint(env, chat.ok ? chat.value : { kind: 'demo' });
  if (!chat.ok || !embedding.ok) {
    return err([...(chat.ok ? [] : chat.error), ...(embedding.ok ? [] : [embedding.error])]);
  }
  return ok({
    chat: chat.value,
    embedding: embedding.value,
    embeddingModel: read(env, 'EMBEDDING_MODEL') ?? DEFAULT_EMBEDDING_MODEL,
    overrideModel: read(env, 'AWM_SYN_OVERRIDE_MODEL'),
  });
}

/** Unset and empty (or blank) mean the same: `FOO= awm build` switches FOO off. */
function read(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function resolveChatEndpoint(env: Env): Result<ChatEndpoint, readonly string[]> {
  const provider = read(env, 'AWM_SYN_LLM_PROVIDER');
  if (provider === 'openai') return openAiEndpoint(env);
  if (provider === 'azure') return azureEndpoint(env);
  if (provider !== null) {
    return err([`AWM_SYN_LLM_PROVIDER must be 'openai' or 'azure', not '${provider}'.`]);
  }
  const wantsOpenAi = read(env, 'OPENAI_API_KEY') !== null || read(env, 'OPENAI_BASE_URL') !== null;
  const wantsAzure = read(env, 'AZURE_ENDPOINT_URL') !== null || read(env, 'AZURE_OPENAI_API_KEY') !== null;
  if (wantsOpenAi && wantsAzure) {
    return err([
      'Both OpenAI (OPENAI_API_KEY / OPENAI_BASE_URL) and Azure (AZURE_ENDPOINT_URL / AZURE_OPENAI_API_KEY) ' +
        'variables are set; set AWM_SYN_LLM_PROVIDER=openai or AWM_SYN_LLM_PROVIDER=azure to choose one.',
    ]);
  }
  if (wantsAzure) return azureEndpoint(env);
  if (wantsOpenAi) return openAiEndpoint(env);
  return ok({ kind: 'demo' });
}

function openAiEndpoint(env: Env): Result<ChatEndpoint, readonly string[]> {
  const apiKey = read(env, 'OPENAI_API_KEY');
  const baseUrl = read(env, 'OPENAI_BASE_URL');
  // A custom server may need no key; api.openai.com always does.
  if (apiKey === null && baseUrl === null) {
    return err(['AWM_SYN_LLM_PROVIDER=openai needs OPENAI_API_KEY (or OPENAI_BASE_URL for a server without keys).']);
  }
  const url = baseUrl === null ? ok(OPENAI_DEFAULT_BASE_URL) : checkUrl('OPENAI_BASE_URL', baseUrl);
  if (!url.ok) return err([url.error]);
  return ok({ kind: 'openai', apiKey: apiKey ?? KEYLESS_PLACEHOLDER, baseUrl: url.value });
}

function azureEndpoint(env: Env): Result<ChatEndpoint, readonly string[]> {
  const endpoint = read(env, 'AZURE_ENDPOINT_URL');
  const apiKey = read(env, 'AZURE_OPENAI_API_KEY');
  const problems: string[] = [];
  if (endpoint === null)
    problems.push('Azure OpenAI needs AZURE_ENDPOINT_URL (e.g. https://my-resource.openai.azure.com).');
  if (apiKey === null) problems.push('Azure OpenAI needs AZURE_OPENAI_API_KEY (the key of that resource).');
  if (endpoint === null || apiKey === null) return err(problems);
  const url = checkUrl('AZURE_ENDPOINT_URL', endpoint);
  if (!url.ok) return err([url.error]);
  const parsed = new URL(url.value);
  // People paste the whole URL from the portal (…/openai/deployments/x/chat/completions?api-version=…):
  // keep the resource part and take the version from it.
  const resourcePath = parsed.pathname.replace(/\/openai(\/.*)?$/, '').replace(/\/+$/, '');
  const apiVersion =
    read(env, 'OPENAI_API_VERSION') ?? parsed.searchParams.get('api-version') ?? DEFAULT_AZURE_API_VERSION;
  return ok({ kind: 'azure', endpoint: `${parsed.origin}${resourcePath}`, apiKey, apiVersion });
}

function checkUrl(variable: string, value: string): Result<string, string> {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return ok(value.replace(/\/+$/, ''));
  } catch {
    // reported below
  }
  return err(`${variable} must be an http(s) URL such as https://api.openai.com/v1, not '${value}'.`);
}

/**
 * EMBEDDING_OPENAI_* when set; otherwise OpenAI's own endpoint when that is the chat provider (it
 * serves embeddings too). A custom chat server or Azure deployment may not, so those fall back to
 * the offline vectors unless EMBEDDING_OPENAI_* say otherwise.
 */
function resolveEmbeddingEndpoint(env: Env, chat: ChatEndpoint): Result<EmbeddingEndpoint | null, string> {
  const apiKey = read(env, 'EMBEDDING_OPENAI_API_KEY');
  const baseUrl = read(env, 'EMBEDDING_OPENAI_BASE_URL');
  if (apiKey !== null || baseUrl !== null) {
    const url = baseUrl === null ? ok(OPENAI_DEFAULT_BASE_URL) : checkUrl('EMBEDDING_OPENAI_BASE_URL', baseUrl);
    if (!url.ok) return url;
    return ok({ apiKey: apiKey ?? KEYLESS_PLACEHOLDER, baseUrl: url.value, keyVariable: 'EMBEDDING_OPENAI_API_KEY' });
  }
  if (chat.kind === 'openai' && chat.baseUrl === OPENAI_DEFAULT_BASE_URL) {
    return ok({ apiKey: chat.apiKey, baseUrl: chat.baseUrl, keyVariable: 'OPENAI_API_KEY' });
  }
  return ok(null);
}
