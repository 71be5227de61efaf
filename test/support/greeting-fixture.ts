// A small pipeline of local (non-LLM) stages, shaped like the real one: a global stage writes the
// scenario list; per-scenario stages read one row of it, render a prompt, and feed each other.
//
//   list ──row──▶ greet ──▶ shout ──▶ measure
export const GREETING_PIPELINE = `version: 1
world_clock: "2026-03-02T09:00:00Z"
scenarios:
  from: list.scenarios
stages:
  list:
    code: stages/list.mjs
    inputs:
      names: file:data/names.json
    outputs:
      scenarios: out/scenarios.json
  greet:
    foreach: scenario
    code: stages/greet.mjs
    prompts:
      greeting: prompts/greeting.md
    inputs:
      row: list.scenarios[{scenario}]
    outputs:
      greeting: out/{scenario}/greeting.txt
    params:
      punctuation: "!"
  shout:
    foreach: scenario
    code: stages/shout.mjs
    inputs:
      greeting: greet.greeting
    outputs:
      shout: out/{scenario}/shout.txt
  measure:
    foreach: scenario
    code: stages/measure.mjs
    inputs:
      shout: shout.shout
    outputs:
      size: out/{scenario}/size.json
`;

const LIST_STAGE = `export default {
  description: 'turns the names file into the scenario list',
  usesLlm: false,
  async run(ctx) {
    const names = ctx.inputs.json('names');
    await ctx.outputs.writeJson('scenarios', names.map((name) => ({ id: name, name })));
    return { status: 'ok' };
  },
};
`;

// AWM_TEST_DELAY_MS slows it down (for kill and concurrency tests); AWM_TEST_FAIL names a
// scenario that fails. Environment variables are not part of any fingerprint.
const GREET_STAGE = `export default {
  description: 'greets one scenario',
  usesLlm: false,
  params: { type: 'object', properties: { punctuation: { type: 'string', default: '!' } }, additionalProperties: false },
  render(ctx) {
    return { greeting: ctx.prompts.greeting.render({ name: ctx.inputs.json('row').name }) };
  },
  async run(ctx) {
    const delay = Number(process.env.AWM_TEST_DELAY_MS ?? 0);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (process.env.AWM_TEST_FAIL === ctx.scenario) return { status: 'failed', kind: 'check', message: 'the greeting was rejected on purpose' };
    const text = this.render(ctx).greeting.trim() + ctx.params.punctuation;
    await ctx.outputs.writeText('greeting', text + '\\n');
    return { status: 'ok' };
  },
};
`;

const SHOUT_STAGE = `export default {
  description: 'upper-cases the greeting',
  usesLlm: false,
  async run(ctx) {
    await ctx.outputs.writeText('shout', ctx.inputs.text('greeting').toUpperCase());
    return { status: 'ok' };
  },
};
`;

const MEASURE_STAGE = `export default {
  description: 'measures the shout',
  usesLlm: false,
  async run(ctx) {
    await ctx.outputs.writeJson('size', { characters: ctx.inputs.text('shout').trim().length });
    return { status: 'ok' };
  },
};
`;

export function greetingFiles(names: readonly string[] = ['alpha', 'beta', 'gamma']): Record<string, string> {
  return {
    'awm.pipeline.yaml': GREETING_PIPELINE,
    'stages/list.mjs': LIST_STAGE,
    'stages/greet.mjs': GREET_STAGE,
    'stages/shout.mjs': SHOUT_STAGE,
    'stages/measure.mjs': MEASURE_STAGE,
    'prompts/greeting.md': '{{! the greeting every scenario gets }}\nHello {{name}}\n',
    'data/names.json': JSON.stringify(names),
  };
}
