// Per-stage LLM settings through the real CLI and the real openai client against the mock server:
// which max_tokens and reasoning_effort reach the request (stage › pipeline › module default), which
// settings make a stage stale (max_tokens, reasoning_effort) and which do not (timeout_s,
// max_tokens_cap, context_tokens), the stage's own timeout, and the context-window warning.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MockLlmServer } from '../src/testing/mock-llm-server.js';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { TempProject } from './support/cli-rig.js';

/** The pipeline with `top` under the top-level `llm:` and `stage` under the stage's own `llm:`. */
function pipeline(top: readonly string[] = [], stage: readonly string[] = []): string {
  return [
    'version: 1',
    'world_clock: "2026-03-02T09:00:00Z"',
    'llm:',
    '  model: gpt-test',
    '  retries: 0',
    ...top.map((line) => `  ${line}`),
    'stages:',
    '  poem:',
    '    code: stages/poem.mjs',
    '    prompts:',
    '      ask: prompts/ask.md',
    '    outputs:',
    '      poem: out/poem.json',
    ...(stage.length > 0 ? ['    llm:', ...stage.map((line) => `      ${line}`)] : []),
    '',
  ].join('\n');
}

// Its module asks for 3000 answer tokens by default, and up to 6000 after a cut-off answer.
const POEM_STAGE = `const schema = { type: 'object', required: ['lines'], properties: { lines: { type: 'array' } } };
export default {
  description: 'asks for a poem', usesLlm: true,
  llm: { maxTokens: 3000, maxTokensCap: 6000, timeoutS: 30 },
  render(ctx) { return { ask: ctx.prompts.ask.render({}) }; },
  async run(ctx) {
    const result = await ctx.llm.structured({ messages: [{ role: 'user', content: ctx.requests.ask }], schema, maxAttempts: 1 });
    if (!result.ok) return { status: 'failed', kind: result.failure, message: result.message };
    await ctx.outputs.writeJson('poem', result.value);
    return { status: 'ok' };
  },
};
`;

const Budgets = suite('per-stage LLM settings through the CLI');
let project: TempProject;
let mock: MockLlmServer;
const env = (): Record<string, string> => ({ OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'sk-test' });

interface Body {
  readonly max_tokens?: number;
  readonly reasoning_effort?: string;
}
const lastBody = (): Body => mock.chatRequests[mock.chatRequests.length - 1]?.body as Body;

async function status(): Promise<{ state: string; reasons: { message: string }[] }> {
  const report = (await project.json(['status', '--json'], env())) as {
    instances: { state: string; reasons: { message: string }[] }[];
  };
  return report.instances[0]!;
}

async function build(): Promise<string> {
  const result = await project.run(['build'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  return result.stdout;
}

Budgets.before.each(async () => {
  project = new TempProject({
    'awm.pipeline.yaml': pipeline(),
    'stages/poem.mjs': POEM_STAGE,
    'prompts/ask.md': 'Write a two-line poem about the sea. Answer as JSON: {"lines": [..]}.\n',
  });
  mock = await startMockLlmServer({ respond: () => mockStep.json({ lines: ['waves fold', 'into salt'] }) });
});
Budgets.after.each(async () => {
  await mock.close();
  project.remove();
});

Budgets('max_tokens: the stage › the pipeline › the module default; reasoning_effort only when set', async () => {
  await build();
  assert.equal(lastBody().max_tokens, 3000);
  assert.not.ok('reasoning_effort' in lastBody());

  project.write('awm.pipeline.yaml', pipeline(['max_tokens: 2000']));
  const stale = await status();
  assert.is(stale.state, 'stale');
  assert.is(stale.reasons[0]?.message, 'model settings changed: maxTokens 3000 → 2000');
  await build();
  assert.equal(lastBody().max_tokens, 2000);

  project.write('awm.pipeline.yaml', pipeline(['max_tokens: 2000'], ['max_tokens: 2500', 'reasoning_effort: low']));
  await build();
  assert.equal(lastBody(), { ...lastBody(), max_tokens: 2500, reasoning_effort: 'low' });
  assert.is(mock.chatRequests.length, 3);
});

Budgets('reasoning_effort makes the stage stale; timeout_s, max_tokens_cap and context_tokens do not', async () => {
  project.write('awm.pipeline.yaml', pipeline([], ['reasoning_effort: low']));
  await build();
  project.write('awm.pipeline.yaml', pipeline([], ['reasoning_effort: high']));
  const stale = await status();
  assert.is(stale.state, 'stale');
  assert.is(stale.reasons[0]?.message, 'model settings changed: reasoningEffort "low" → "high"');
  await build();
  assert.is(lastBody().reasoning_effort, 'high');

  project.write(
    'awm.pipeline.yaml',
    pipeline(
      ['timeout_s: 60', 'context_tokens: 500000'],
      ['reasoning_effort: high', 'timeout_s: 600', 'max_tokens_cap: 100000'],
    ),
  );
  assert.is((await status()).state, 'fresh');
  assert.is((await project.run(['check'], env())).code, 0);
});

Budgets("a stage's timeout_s is its own: a server that never answers fails the stage after 1 s", async () => {
  mock.push(mockStep.hang());
  project.write('awm.pipeline.yaml', pipeline(['timeout_s: 600'], ['timeout_s: 1']));
  const started = Date.now();
  const result = await project.run(['build'], env());
  const took = Date.now() - started;
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ failed llm poem: .*no answer within 1 s/);
  assert.ok(took < 15_000, `the build took ${took} ms`);
  assert.is(mock.chatRequests.length, 1);
});

Budgets('a prompt plus max_tokens over llm.context_tokens is sent with a warning that says what to do', async () => {
  project.write('awm.pipeline.yaml', pipeline(['context_tokens: 2000']));
  const stdout = await build();
  assert.is(mock.chatRequests.length, 1);
  assert.match(
    stdout,
    /awm: warning: LLM request \(stage "poem"\): its prompt of \d+ tokens plus max_tokens 3,000 exceed the context window of 2,000 tokens set by llm\.context_tokens; it is sent anyway/,
  );
  assert.match(stdout, /Lower stages\.poem\.llm\.max_tokens, shorten the prompt, or set llm\.context_tokens/);
});

Budgets.run();
