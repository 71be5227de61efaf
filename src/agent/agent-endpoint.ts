// Which model endpoint the agent talks to: `--api-url` when given (an OpenAI-compatible server, the
// key from OPENAI_API_KEY if set), else what the environment variables say, exactly as for the
// build (src/llm/environment.ts): OpenAI or any compatible server, or Azure OpenAI. The offline demo
// provider has no model to run an agent with, so "no LLM configured" is an error here.
import { HOW_TO_CONFIGURE, resolveLlmEnvironment, type ChatEndpoint, type Env } from '../llm/environment.js';
import { err, ok, type Result } from '../util/result.js';

export type AgentEndpoint = Exclude<ChatEndpoint, { kind: 'demo' }>;

/** Local servers usually ignore the key, but the openai client insists on having one. */
const KEYLESS_PLACEHOLDER = 'no-key-set';

export function resolveAgentEndpoint(env: Env, apiUrl: string | undefined): Result<AgentEndpoint, string> {
  if (apiUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(apiUrl);
    } catch {
      return err(`--api-url must be an http(s) URL such as http://127.0.0.1:8000/v1, not '${apiUrl}'`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return err(`--api-url must be an http(s) URL such as http://127.0.0.1:8000/v1, not '${apiUrl}'`);
    const apiKey = env['OPENAI_API_KEY']?.trim() || KEYLESS_PLACEHOLDER;
    return ok({ kind: 'openai', apiKey, baseUrl: apiUrl.replace(/\/+$/, '') });
  }
  const resolved = resolveLlmEnvironment(env);
  if (!resolved.ok) return err(resolved.error.join('\n'));
  const chat = resolved.value.chat;
  if (chat.kind === 'demo')
    return err(
      `no LLM is configured for the agent: ${HOW_TO_CONFIGURE}, or pass --api-url; ` +
        'or replay the reference solution without a model: --policy reference',
    );
  return ok(chat);
}

/** The endpoint's URL as trajectory.json records it: never a key, a user name or a password. */
export function displayedUrl(endpoint: AgentEndpoint): string {
  const url = new URL(endpoint.kind === 'azure' ? endpoint.endpoint : endpoint.baseUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}
