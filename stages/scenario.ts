// One scenario's row of the scenario list, as its own file: the per-scenario stages read this
// instead of the whole list, so adding a scenario leaves the others' fingerprints alone.
import { defineStage } from '../src/stage-api/index.js';

export default defineStage({
  description: 'Writes one scenario row of the scenario list to its own file',
  usesLlm: false,
  params: { type: 'object', additionalProperties: false, properties: {} },
  async run(context) {
    await context.outputs.writeJson('scenario', context.inputs.json('row'));
    return { status: 'ok' };
  },
});
