// Imported lock entries (`awm import`): outputs no stage wrote, recorded with their origin. They
// are judged by their outputs alone, so the stage's params, code and inputs do not make them stale
// and the stages downstream build on them; an edited output, or `--force`, runs the stage again,
// and its entry is an ordinary one from then on.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { forgetClean } from '../src/engine/clean-stamp.js';
import { recordImported } from '../src/engine/imported-entries.js';
import { openProject } from '../src/engine/project.js';
import { TempProject } from './support/cli-rig.js';
import { greetingFiles } from './support/greeting-fixture.js';

interface StatusJson {
  instances: { instance: string; state: string; reasons: { code: string; message: string }[] }[];
}

const Imported = suite('engine: imported lock entries');
let project: TempProject;
Imported.after.each(() => project.remove());

async function states(): Promise<Record<string, string>> {
  const report = (await project.json(['status', '--json'])) as StatusJson;
  return Object.fromEntries(report.instances.map((i) => [i.instance, i.state]));
}

function lockLine(instance: string): Record<string, unknown> {
  const line = project
    .read('awm.lock')
    .split('\n')
    .find((text) => text.startsWith(`{"instance":${JSON.stringify(instance)},`));
  assert.ok(line, `awm.lock has ${instance}`);
  return JSON.parse(line) as Record<string, unknown>;
}

/** Puts `text` where alpha's greeting goes and records it as imported, as `awm import` does. */
async function importGreeting(text: string): Promise<void> {
  project.write('out/alpha/greeting.txt', text);
  const opened = await openProject(project.dir);
  if (!opened.ok) throw new Error(opened.error);
  const recorded = recordImported(opened.value, [
    { stage: 'greet', scenario: 'alpha', task: null, origin: 'greetings.jsonl:1' },
  ]);
  assert.equal(recorded, { ok: true, value: 1 });
  opened.value.state.flushLock();
  opened.value.state.saveCaches();
  forgetClean(project.dir);
}

Imported('an imported output is fresh, pinned to its content, and the stages after it build on it', async () => {
  project = new TempProject(greetingFiles());
  assert.is((await project.run(['build'])).code, 0);
  await importGreeting('Imported hello\n');
  const entry = lockLine('alpha:greet');
  assert.is(entry['imported'], 'greetings.jsonl:1');
  assert.is(entry['summary'], undefined, 'no check of ours passed on it');
  const before = await states();
  assert.is(before['alpha:greet'], 'fresh');
  assert.is(before['alpha:shout'], 'stale', 'its reader sees the new input');
  const built = await project.run(['build']);
  assert.is(built.code, 0, built.stderr);
  assert.is(project.read('out/alpha/greeting.txt'), 'Imported hello\n', 'the import was not rebuilt');
  assert.is(project.read('out/alpha/shout.txt'), 'IMPORTED HELLO\n');

  // A param of the stage changes every built greeting, not the imported one.
  project.write('awm.pipeline.yaml', project.read('awm.pipeline.yaml').replace('punctuation: "!"', 'punctuation: "?"'));
  const after = await states();
  assert.is(after['alpha:greet'], 'fresh');
  assert.is(after['beta:greet'], 'stale');
  assert.is((await project.run(['build'])).code, 0);
  assert.is(project.read('out/alpha/greeting.txt'), 'Imported hello\n');
  assert.match(project.read('out/beta/greeting.txt'), /\?\n$/);
  assert.is((await project.run(['check'])).code, 0, 'imported entries pass check');
});

Imported('an edited imported output is rebuilt by its stage, and the entry is an ordinary one after', async () => {
  project = new TempProject(greetingFiles());
  assert.is((await project.run(['build'])).code, 0);
  await importGreeting('Imported hello\n');
  project.write('out/alpha/greeting.txt', 'Edited by hand\n');
  assert.is((await states())['alpha:greet'], 'modified');
  assert.is((await project.run(['build'])).code, 0);
  assert.is.not(project.read('out/alpha/greeting.txt'), 'Edited by hand\n');
  assert.is(lockLine('alpha:greet')['imported'], undefined);
});

Imported('--force runs the stage of an imported instance', async () => {
  project = new TempProject(greetingFiles());
  assert.is((await project.run(['build'])).code, 0);
  await importGreeting('Imported hello\n');
  const forced = await project.run(['build', '--force', 'alpha:greet']);
  assert.is(forced.code, 0, forced.stderr);
  assert.is.not(project.read('out/alpha/greeting.txt'), 'Imported hello\n');
  assert.is(lockLine('alpha:greet')['imported'], undefined);
});

Imported('recording an instance whose output is not on disk is refused, naming it', async () => {
  project = new TempProject(greetingFiles());
  assert.is((await project.run(['build'])).code, 0);
  const opened = await openProject(project.dir);
  if (!opened.ok) throw new Error(opened.error);
  const recorded = recordImported(opened.value, [
    { stage: 'greet', scenario: 'nobody', task: null, origin: 'x:1' },
    { stage: 'nosuch', scenario: 'alpha', task: null, origin: 'x:2' },
  ]);
  assert.equal(recorded, {
    ok: false,
    error: ['nobody:greet: out/nobody/greeting.txt not written', 'the pipeline has no stage "nosuch" to import into'],
  });
});

Imported.run();
