// The greeting pipeline with one more per-scenario stage that reads an optional file input: a note
// some scenarios have and others do not.
//
//   list ──row──▶ greet ──▶ shout ──▶ measure
//     └──row──▶ note ◀── file?:notes/{scenario}.txt
import { GREETING_PIPELINE, greetingFiles } from './greeting-fixture.js';

// With the param `careless`, it reads the note without asking `has` first.
const NOTE_STAGE = `export default {
  description: 'writes the scenario note, or says there is none',
  usesLlm: false,
  params: { type: 'object', properties: { careless: { type: 'boolean', default: false } }, additionalProperties: false },
  async run(ctx) {
    const name = ctx.inputs.json('row').name;
    const note = ctx.params.careless || ctx.inputs.has('notes') ? 'note: ' + ctx.inputs.text('notes').trim() : 'no note';
    await ctx.outputs.writeText('note', name + ': ' + note + '\\n');
    return { status: 'ok' };
  },
};
`;

export interface NoteFixtureOptions {
  /** The input reference (default `file?:notes/{scenario}.txt`). */
  readonly input?: string;
  /** Note files to write, path → text (default: a note for alpha only). */
  readonly notes?: Readonly<Record<string, string>>;
}

export function noteFiles(options: NoteFixtureOptions = {}): Record<string, string> {
  const stage = [
    '  note:',
    '    foreach: scenario',
    '    code: stages/note.mjs',
    '    inputs:',
    '      row: list.scenarios[{scenario}]',
    `      notes: ${options.input ?? 'file?:notes/{scenario}.txt'}`,
    '    outputs:',
    '      note: out/{scenario}/note.txt',
    '',
  ].join('\n');
  return {
    ...greetingFiles(),
    'awm.pipeline.yaml': GREETING_PIPELINE + stage,
    'stages/note.mjs': NOTE_STAGE,
    ...(options.notes ?? { 'notes/alpha.txt': 'alpha likes tea\n' }),
  };
}
