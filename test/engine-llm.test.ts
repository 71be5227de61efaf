// The engine and the LLM layer together, through the real CLI and the real openai client talking
// to a local OpenAI-compatible mock server: repair, response cache, --fresh, token summary, the
// model in the fingerprint, and a stage that never gets a valid answer.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { MockLlmServer } from '../src/testing/mock-llm-server.js';
import { mockStep, startMockLlmServer } from '../src/testing/mock-llm-server.js';
import { TempProject } from './support/cli-rig.js';

const PIPELINE = `version: 1
world_clock: "2026-03-02T09:00:00Z"
llm:
  model: gpt-test
  temperature: 0.2
  retries: 1
stages:
  poem:
    code: stages/poem.mjs
    prompts:
      ask: prompts/ask.md
    inputs:
      topic: file:data/topic.txt
    outputs:
      poem: out/poem.json
`;

const POEM_STAGE = `const schema = { type: 'object', required: ['lines'], additionalProperties: false,
  properties: { lines: { type: 'array', minItems: 2, items: { type: 'string' } } } };
export default {
  description: 'asks for a poem', usesLlm: true,
  render(ctx) { return { ask: ctx.prompts.ask.render({ topic: ctx.inputs.text('topic').trim() }) }; },
  async run(ctx) {
    const result = await ctx.llm.structured({ messages: [{ role: 'user', content: this.render(ctx).ask }], schema, maxAttempts: 2 });
    if (!result.ok) return { status: 'failed', kind: result.failure, message: result.message, bestAttempt: result.best };
    await ctx.outputs.writeJson('poem', result.value);
    return { status: 'ok' };
  },
};
`;

const FILES = {
  'awm.pipeline.yaml': PIPELINE,
  'stages/poem.mjs': POEM_STAGE,
  'prompts/ask.md': 'Write a two-line poem about {{topic}}. Answer as JSON: {"lines": [..]}.\n',
  'data/topic.txt': 'the sea\n',
};

const EngineLlm = suite('engine + LLM layer through the CLI');
let project: TempProject;
let mock: MockLlmServer;
const env = (): Record<string, string> => ({ OPENAI_BASE_URL: mock.url, OPENAI_API_KEY: 'sk-test' });

EngineLlm.before.each(async () => {
  project = new TempProject(FILES);
  mock = await startMockLlmServer({ respond: () => mockStep.json({ lines: ['waves fold', 'into salt'] }) });
});
EngineLlm.after.each(async () => {
  await mock.close();
  project.remove();
});

EngineLlm('a schema-violating answer is fed back and repaired; both attempts are logged', async () => {
  mock.push(mockStep.json({ lines: 'the sea, the sea' }));
  const build = await project.run(['build'], env());
  assert.is(build.code, 0, build.stdout + build.stderr);
  assert.match(build.stdout, /✓ built poem \(.*2 LLM requests\)/);
  assert.match(build.stdout, /awm: LLM tokens [\d,]+ \(poem [\d,]+\)/);
  assert.is(mock.chatRequests.length, 2);
  assert.match(mock.chatRequests[1]?.text ?? '', /\/lines: must be array/);
  assert.equal(JSON.parse(project.read('out/poem.json')), { lines: ['waves fold', 'into salt'] });
  const log = JSON.parse(project.read('artifacts/logs/poem.json')) as { requests: { attempts: { stage: string }[] }[] };
  assert.equal(
    log.requests[0]?.attempts.map((attempt) => attempt.stage),
    ['validation', 'passed'],
  );
});

EngineLlm('a rebuild is answered from the response cache; --fresh asks again', async () => {
  await project.run(['build'], env());
  assert.is(mock.chatRequests.length, 1);
  rmSync(join(project.dir, 'out/poem.json'));
  const cached = await project.run(['build'], env());
  assert.is(cached.code, 0, cached.stderr);
  assert.match(cached.stdout, /✓ built poem \(.*1 LLM request \(1 from cache\)\)/);
  assert.is(mock.chatRequests.length, 1);
  const fresh = await project.run(['build', '--force', '--fresh'], env());
  assert.is(fresh.code, 0, fresh.stderr);
  assert.is(mock.chatRequests.length, 2);
});

EngineLlm('the model that answers is part of the fingerprint: the demo provider makes it stale', async () => {
  await project.run(['build'], env());
  const configured = (await project.json(['status', '--json'], env())) as { instances: { state: string }[] };
  assert.is(configured.instances[0]?.state, 'fresh');
  const offline = (await project.json(['status', '--json'])) as {
    instances: { state: string; reasons: { code: string; message: string }[] }[];
  };
  assert.is(offline.instances[0]?.state, 'stale');
  assert.match(
    offline.instances[0]?.reasons[0]?.message ?? '',
    /^model settings changed: model "gpt-test" → "awm-demo-recorded"/,
  );
});

EngineLlm(
  'an answer that never validates fails the instance, keeps nothing in place, and logs the attempts',
  async () => {
    await project.run(['build'], env());
    const good = project.read('out/poem.json');
    project.write('data/topic.txt', 'the desert\n');
    mock.push(mockStep.json({ lines: [] }), mockStep.json({ lines: 'sand' }));
    const build = await project.run(['build'], env());
    assert.is(build.code, 1);
    assert.match(build.stdout, /✗ failed validation poem: /);
    assert.match(build.stdout, /attempts logged in artifacts\/logs\/poem\.json/);
    assert.is(project.read('out/poem.json'), good);
    const log = JSON.parse(project.read('artifacts/logs/poem.json')) as {
      outcome: string;
      requests: { attempts: unknown[] }[];
    };
    assert.is(log.outcome, 'failed-validation');
    assert.is(log.requests[0]?.attempts.length, 2);
    assert.is((await project.run(['check'], env())).code, 1);
  },
);

EngineLlm('an auth failure is reported once, clearly, and not retried', async () => {
  mock.push(mockStep.unauthorized());
  const build = await project.run(['build'], env());
  assert.is(build.code, 1);
  assert.is(mock.chatRequests.length, 1);
  assert.match(build.stdout, /✗ failed llm poem: .*(401|API key)/i);
});

EngineLlm.run();
