// Optional file inputs (`file?:PATH`) end to end through the real CLI: a per-scenario stage reads
// notes/{scenario}.txt, which only some scenarios have. It builds either way; the file appearing,
// changing or going makes exactly its reader stale, says so, and is never hidden by the no-op proof.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited, TempProject, waitForOutput } from './support/cli-rig.js';
import { refusingSession } from '../src/engine/stage-context.js';
import type { StageDefinition } from '../src/stage-api/stage.js';
import { noteFiles, type NoteFixtureOptions } from './support/note-fixture.js';
import { runStage } from './support/stage-harness.js';

interface StatusJson {
  instances: { instance: string; state: string; reasons: { code: string; message: string }[] }[];
}

const Optional = suite('engine: optional file inputs');
let project: TempProject;

Optional.after.each(() => project.remove());

async function built(options: NoteFixtureOptions = {}): Promise<void> {
  project = new TempProject(noteFiles(options));
  const first = await project.run(['build']);
  assert.is(first.code, 0, first.stderr + first.stdout);
}

async function notFresh(): Promise<Record<string, string>> {
  const report = (await project.json(['status', '--json'])) as StatusJson;
  return Object.fromEntries(
    report.instances
      .filter((i) => i.state !== 'fresh')
      .map((i) => [
        i.instance,
        `${i.state}: ${i.reasons.map((reason) => `${reason.code}: ${reason.message}`).join(' | ')}`,
      ]),
  );
}

/** Whether a run answered from the no-op proof: it reads (and so rewrites) no other local state. */
async function answeredFromProof(args: readonly string[]): Promise<{ fromProof: boolean; stdout: string }> {
  for (const file of ['hashes.json', 'render-memo.json'])
    rmSync(join(project.dir, '.awm/state', file), { force: true });
  const result = await project.run(args);
  assert.is(result.code, 0, result.stderr + result.stdout);
  return { fromProof: !project.exists('.awm/state/hashes.json'), stdout: result.stdout };
}

function lockParts(instance: string): { inputs: Record<string, string> } {
  const line = project
    .read('awm.lock')
    .split('\n')
    .find((text) => text.startsWith(`{"instance":${JSON.stringify(instance)},`));
  assert.ok(line, `awm.lock has ${instance}`);
  return (JSON.parse(line) as { parts: { inputs: Record<string, string> } }).parts;
}

Optional('a stage builds for scenarios with and without the file, and sees which through has', async () => {
  await built();
  assert.is(project.read('out/alpha/note.txt'), 'alpha: note: alpha likes tea\n');
  assert.is(project.read('out/beta/note.txt'), 'beta: no note\n');
  assert.is(project.read('out/gamma/note.txt'), 'gamma: no note\n');
  assert.is(lockParts('beta:note').inputs['notes'], 'absent');
  assert.match(lockParts('alpha:note').inputs['notes'] ?? '', /^[0-9a-f]{16}$/);
  assert.equal(await notFresh(), {});
  assert.is((await project.run(['check'])).code, 0);
});

Optional('the file appearing makes only that scenario stale, and the build picks it up', async () => {
  await built();
  project.write('notes/beta.txt', 'beta likes coffee\n');
  assert.equal(await notFresh(), {
    'beta:note': 'stale: input-file-appeared: input "notes" appeared (file notes/beta.txt)',
  });
  const explained = await project.run(['status', '--explain']);
  assert.match(explained.stdout, /beta:note\s+stale\s+input "notes" appeared \(file notes\/beta\.txt\)/);
  const rebuilt = await project.run(['build']);
  assert.match(rebuilt.stdout, /built 1, fresh 12, failed 0, skipped 0/);
  assert.is(project.read('out/beta/note.txt'), 'beta: note: beta likes coffee\n');
  assert.equal(await notFresh(), {});
});

Optional('the file changing, then going, makes only that scenario stale each time', async () => {
  await built();
  project.write('notes/alpha.txt', 'alpha likes green tea\n');
  assert.equal(await notFresh(), {
    'alpha:note': 'stale: input-changed: input "notes" changed (file notes/alpha.txt)',
  });
  assert.match((await project.run(['build'])).stdout, /built 1, fresh 12/);
  assert.is(project.read('out/alpha/note.txt'), 'alpha: note: alpha likes green tea\n');
  rmSync(join(project.dir, 'notes/alpha.txt'));
  assert.equal(await notFresh(), {
    'alpha:note': 'stale: input-file-disappeared: input "notes" disappeared (file notes/alpha.txt)',
  });
  assert.match((await project.run(['build'])).stdout, /built 1, fresh 12/);
  assert.is(project.read('out/alpha/note.txt'), 'alpha: no note\n');
  assert.is(lockParts('alpha:note').inputs['notes'], 'absent');
});

Optional('a no-op build after a clean build with absent files is answered from the proof', async () => {
  await built();
  const noop = await answeredFromProof(['build']);
  assert.ok(noop.fromProof, 'the no-op build answered from the proof');
  assert.match(noop.stdout, /built 0, fresh 13, failed 0, skipped 0/);
  assert.ok((await answeredFromProof(['status'])).fromProof);

  project.write('notes/gamma.txt', 'gamma likes cocoa\n');
  const next = await answeredFromProof(['build']);
  assert.not.ok(next.fromProof, 'a file that appeared sends the build down the full path');
  assert.match(next.stdout, /built 1, fresh 12, failed 0, skipped 0/);
  assert.is(project.read('out/gamma/note.txt'), 'gamma: note: gamma likes cocoa\n');
  assert.ok((await answeredFromProof(['build'])).fromProof, 'and the build after that is proven again');
});

Optional('a folder where an optional file could be counts as no file', async () => {
  await built();
  mkdirSync(join(project.dir, 'notes/beta.txt'));
  const noop = await answeredFromProof(['build']);
  assert.ok(noop.fromProof, 'still absent: there is no file');
  assert.match(noop.stdout, /built 0, fresh 13/);
});

Optional('reading an absent optional input without asking has fails the instance, naming the input', async () => {
  project = new TempProject(noteFiles());
  project.write('awm.pipeline.yaml', `${project.read('awm.pipeline.yaml')}    params:\n      careless: true\n`);
  const result = await project.run(['build']);
  assert.is(result.code, 1);
  assert.match(
    result.stdout,
    /✗ failed beta:note: stage code threw: Error: stage asked for optional input "notes", but its file notes\/beta\.txt is absent; check inputs\.has\("notes"\) first/,
  );
  assert.is(project.read('out/alpha/note.txt'), 'alpha: note: alpha likes tea\n');
});

Optional('a missing file: input (not optional) is still an error', async () => {
  project = new TempProject(noteFiles({ input: 'file:notes/{scenario}.txt' }));
  const result = await project.run(['build', '--keep-going']);
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ failed beta:note: input "notes": file notes\/beta\.txt does not exist/);
  assert.match(result.stdout, /✗ failed gamma:note: input "notes": file notes\/gamma\.txt does not exist/);
  assert.is(project.read('out/alpha/note.txt'), 'alpha: note: alpha likes tea\n');
  assert.not.ok(project.exists('.awm/state/clean.json'));
});

Optional(
  'watch mode rebuilds the reader of an optional file that appears, even under folders not there yet',
  async () => {
    await built({ input: 'file?:notes/by-scenario/{scenario}.txt', notes: {} });
    const child = project.spawn(['build', '--watch']);
    try {
      await waitForOutput(child, /watching \d+ sources/);
      const rebuilt = waitForOutput(child, /built 1, fresh 12/);
      mkdirSync(join(project.dir, 'notes/by-scenario'), { recursive: true });
      writeFileSync(join(project.dir, 'notes/by-scenario/beta.txt'), 'beta likes coffee\n');
      const output = await rebuilt;
      assert.match(output, /▶ beta:note: input "notes" appeared \(file notes\/by-scenario\/beta\.txt\)/);
      assert.is(project.read('out/beta/note.txt'), 'beta: note: beta likes coffee\n');
    } finally {
      child.kill('SIGINT');
      await exited(child);
    }
  },
);

Optional.run();

const Harness = suite('stage harness: optional inputs');

Harness('the stage harness gives a stage an absent optional input', async () => {
  const stage: StageDefinition = {
    description: 'reports which inputs it has',
    usesLlm: false,
    async run(ctx) {
      await ctx.outputs.writeJson('seen', { notes: ctx.inputs.has('notes'), row: ctx.inputs.has('row') });
      return { status: 'ok' };
    },
  };
  const run = await runStage(stage, {
    stage: 'seen',
    inputs: { notes: { absent: true }, row: { id: 'alpha' } },
    outputs: { seen: 'seen.json' },
    llm: refusingSession('seen'),
  });
  assert.equal(run.written['seen'], { notes: false, row: true });
  run.dispose();
});

Harness.run();
