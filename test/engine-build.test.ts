// End to end through the real CLI: targets, --force, --keep-going, --frozen, crash safety,
// concurrent builds, watch mode and dag.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited, TempProject, waitForOutput } from './support/cli-rig.js';
import { greetingFiles } from './support/greeting-fixture.js';
import { processIdentity } from '../src/util/process-identity.js';

const Build = suite('engine: build command');
let project: TempProject;

Build.before.each(() => {
  project = new TempProject(greetingFiles());
});
Build.after.each(() => project.remove());

function builtInstances(stdout: string): string[] {
  return [...stdout.matchAll(/✓ built (\S+) /g)].map((match) => match[1] as string).sort();
}

Build('a SCENARIO target builds that scenario and the global stage it needs, nothing else', async () => {
  const result = await project.run(['build', 'beta']);
  assert.is(result.code, 0, result.stderr);
  assert.equal(builtInstances(result.stdout), ['beta:greet', 'beta:measure', 'beta:shout', 'list']);
  assert.not.ok(project.exists('out/alpha/greeting.txt'));
});

Build('SCENARIO:STAGE builds that stage and what it needs; :STAGE does it for every scenario', async () => {
  const one = await project.run(['build', 'gamma:shout']);
  assert.equal(builtInstances(one.stdout), ['gamma:greet', 'gamma:shout', 'list']);
  const all = await project.run(['build', ':greet']);
  assert.equal(builtInstances(all.stdout), ['alpha:greet', 'beta:greet']);
});

Build('globs select scenarios and stages', async () => {
  const result = await project.run(['build', '*a:gr*']);
  assert.equal(builtInstances(result.stdout), ['alpha:greet', 'beta:greet', 'gamma:greet', 'list']);
});

Build('a target naming no stage is refused with the list of stages', async () => {
  const result = await project.run(['build', ':grete']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /target ":grete": no stage matches "grete" \(stages: list, greet, shout, measure\)/);
});

Build('--force rebuilds the targeted instances even when fresh, and only those', async () => {
  await project.run(['build']);
  const forced = await project.run(['build', 'alpha:shout', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.equal(builtInstances(forced.stdout), ['alpha:shout']);
  const everything = await project.run(['build', '--force']);
  assert.is(builtInstances(everything.stdout).length, 10);
});

Build('a failure stops the build and skips its dependants; --keep-going finishes the other scenarios', async () => {
  const stopped = await project.run(['build', '--jobs', '1'], { AWM_TEST_FAIL: 'alpha' });
  assert.is(stopped.code, 1);
  assert.match(stopped.stdout, /✗ failed check alpha:greet: the greeting was rejected on purpose/);
  assert.match(stopped.stdout, /attempts logged in artifacts\/alpha\/logs\/greet\.json/);
  assert.not.ok(project.exists('out/gamma/size.json'));

  const going = await project.run(['build', '--keep-going'], { AWM_TEST_FAIL: 'alpha' });
  assert.is(going.code, 1);
  assert.match(going.stdout, /- skipped alpha:shout \(needs alpha:greet, which failed\)/);
  assert.match(going.stdout, /- skipped alpha:measure \(needs alpha:greet, which failed\)/);
  assert.ok(project.exists('out/gamma/size.json'));
  assert.ok(project.exists('out/beta/size.json'));
  const log = JSON.parse(project.read('artifacts/alpha/logs/greet.json')) as { outcome: string; error: string };
  assert.is(log.outcome, 'failed-check');
  assert.is(log.error, 'the greeting was rejected on purpose');

  const healed = await project.run(['build']);
  assert.is(healed.code, 0);
  assert.equal(builtInstances(healed.stdout), ['alpha:greet', 'alpha:measure', 'alpha:shout']);
});

Build('a failed rebuild keeps the good outputs of the last build', async () => {
  await project.run(['build']);
  project.write('prompts/greeting.md', 'Bye {{name}}\n');
  const failed = await project.run(['build', '--keep-going'], { AWM_TEST_FAIL: 'beta' });
  assert.is(failed.code, 1);
  assert.is(project.read('out/beta/greeting.txt'), 'Hello beta!\n');
});

Build(
  '--frozen passes when a fresh build reproduces awm.lock and fails, naming instances, when it would change it',
  async () => {
    await project.run(['build']);
    const lock = project.read('awm.lock');
    // A fresh clone: no outputs, no local state, only the committed lock.
    const clone = new TempProject({ ...greetingFiles(), 'awm.lock': lock });
    try {
      const frozen = await clone.run(['build', '--frozen']);
      assert.is(frozen.code, 0, frozen.stdout + frozen.stderr);
      assert.is(clone.read('awm.lock'), lock);
      clone.write('prompts/greeting.md', 'Howdy {{name}}\n');
      const changed = await clone.run(['build', '--frozen']);
      assert.is(changed.code, 1);
      assert.match(changed.stdout, /--frozen: awm\.lock would change for 9 instances/);
      assert.match(changed.stdout, /alpha:greet: fingerprint differs from awm\.lock/);
      assert.is(clone.read('awm.lock'), lock);
    } finally {
      clone.remove();
    }
  },
);

Build(
  'awm.lock is sorted JSON lines without timestamps; rebuilding in another order gives the same bytes',
  async () => {
    await project.run(['build', '--jobs', '1']);
    const lock = project.read('awm.lock');
    const lines = lock.trim().split('\n');
    assert.is(lines.length, 11);
    const keys = lines.slice(1).map((line) => (JSON.parse(line) as { instance: string }).instance);
    assert.equal(keys, [...keys].sort());
    assert.not.match(lock, /20\d\d-\d\d-\d\dT/);
    const again = new TempProject(greetingFiles());
    try {
      await again.run(['build', '--jobs', '8']);
      assert.is(again.read('awm.lock'), lock);
    } finally {
      again.remove();
    }
  },
);

Build(
  'a build killed with SIGKILL mid-way resumes without redoing finished work or leaving corrupt files',
  async () => {
    project.write('data/names.json', JSON.stringify(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']));
    const child = project.spawn(['build', '--jobs', '1'], { AWM_TEST_DELAY_MS: '150' });
    await waitForOutput(child, /✓ built a2:greet/);
    child.kill('SIGKILL');
    await exited(child);
    const done = readdirSync(join(project.dir, 'out')).filter((name) => name !== 'scenarios.json');
    const resumed = await project.run(['build']);
    assert.is(resumed.code, 0, resumed.stderr);
    // Greetings that finished before the kill are not built again.
    assert.not.match(resumed.stdout, /built a1:greet/);
    assert.not.match(resumed.stdout, /built a2:greet/);
    assert.match(resumed.stdout, /built a6:greet/);
    assert.ok(done.length >= 2);
    for (const name of ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'])
      assert.is(project.read(`out/${name}/greeting.txt`), `Hello ${name}!\n`);
    assert.is((await project.run(['check'])).code, 0);
    assert.not.ok(project.exists('.awm/build.pid'));
  },
);

Build('Ctrl-C lets running instances finish, starts nothing new, keeps what finished, and exits 130', async () => {
  const child = project.spawn(['build', '--jobs', '1'], { AWM_TEST_DELAY_MS: '300' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = waitForOutput(child, /✓ built alpha:greet/);
  await output;
  child.kill('SIGINT');
  assert.is(await exited(child), 130);
  assert.match(stderr, /interrupted; letting running instances finish/);
  const resumed = await project.run(['build']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.not.match(resumed.stdout, /built alpha:greet/);
  assert.is((await project.run(['check'])).code, 0);
});

Build('a second build in the same folder refuses clearly while the first runs', async () => {
  const first = project.spawn(['build', '--jobs', '1'], { AWM_TEST_DELAY_MS: '600' });
  await waitForOutput(first, /✓ built list/);
  const second = await project.run(['build']);
  assert.is(second.code, 1);
  assert.match(second.stderr, /another awm build is running in this folder \(pid \d+, started .*: awm build\)/);
  assert.is(await exited(first), 0);
  assert.is((await project.run(['check'])).code, 0);
});

Build('a build lock left by a dead process is taken over', async () => {
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  project.write(
    '.awm/build.pid',
    JSON.stringify({ pid: Number(dead.stdout), startedAt: '2026-01-01T00:00:00Z', command: 'awm build' }),
  );
  const result = await project.run(['build']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`took over the build lock of pid ${dead.stdout}, which is no longer running`));
});

Build('a live process that reuses the pid of a recorded lock holder does not hold the lock', async () => {
  const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    const pid = unrelated.pid!;
    const identity = processIdentity(pid);
    if (identity === null) {
      console.log('skipped: this system does not tell processes apart beyond their pid (no /proc)');
      return;
    }
    const holder = (recorded: string) =>
      JSON.stringify({ pid, identity: recorded, startedAt: '2026-01-01T00:00:00Z', command: 'awm build' });
    // Recorded as this very process: it runs, so it holds the lock (the test can fail).
    project.write('.awm/build.pid', holder(identity));
    const refused = await project.run(['build']);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, `another awm build is running in this folder (pid ${pid}`);
    // Recorded as an earlier process with the same pid: the lock is taken over.
    project.write('.awm/build.pid', holder(`${identity.split(':')[0]}:1`));
    const result = await project.run(['build']);
    assert.is(result.code, 0, result.stderr);
    assert.match(result.stdout, `took over the build lock of pid ${pid}`);
    assert.not.ok(project.exists('.awm/build.pid'));
  } finally {
    unrelated.kill();
  }
});

Build('a folder where the build lock belongs is replaced by the lock', async () => {
  mkdirSync(join(project.dir, '.awm/build.pid/inside'), { recursive: true });
  const result = await project.run(['build']);
  assert.is(result.code, 0, result.stderr);
  assert.not.ok(project.exists('.awm/build.pid'));
});

Build('watch mode rebuilds what a prompt edit made stale, and says why', async () => {
  const child = project.spawn(['build', '--watch']);
  try {
    await waitForOutput(child, /watching \d+ sources/);
    const edited = waitForOutput(child, /built 9, fresh 1/);
    writeFileSync(join(project.dir, 'prompts/greeting.md'), 'Welcome {{name}}\n');
    const output = await edited;
    assert.match(output, /prompts\/greeting\.md changed; rebuilding what is stale/);
    assert.match(output, /▶ alpha:greet: prompt "greeting" renders a different request/);
    assert.is(readFileSync(join(project.dir, 'out/alpha/greeting.txt'), 'utf8'), 'Welcome alpha!\n');
  } finally {
    child.kill('SIGINT');
    await exited(child);
  }
});

Build('watch mode waits for a build that holds the lock, then rebuilds on what it left', async () => {
  const child = project.spawn(['build', '--watch']);
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  try {
    await waitForOutput(child, /watching \d+ sources/);
    // Another build (standing in: a live process recorded as the lock's holder) runs when a prompt changes.
    const holder = { pid: other.pid, identity: processIdentity(other.pid!), startedAt: '', command: 'awm build' };
    project.write('.awm/build.pid', JSON.stringify(holder));
    const waiting = waitForOutput(
      child,
      /another build holds the lock \(pid \d+: awm build\); rebuilding once it finishes/,
    );
    writeFileSync(join(project.dir, 'prompts/greeting.md'), 'Howdy {{name}}\n');
    await waiting;
    assert.is(readFileSync(join(project.dir, 'out/alpha/greeting.txt'), 'utf8'), 'Hello alpha!\n');
    const rebuilt = waitForOutput(child, /built 9, fresh 1/);
    other.kill();
    await rebuilt;
    assert.is(readFileSync(join(project.dir, 'out/alpha/greeting.txt'), 'utf8'), 'Howdy alpha!\n');
  } finally {
    other.kill();
    child.kill('SIGINT');
    await exited(child);
  }
  assert.is((await project.run(['check'])).code, 0);
});

Build('problems in the pipeline file and in stage params are all reported in one go', async () => {
  project.write(
    'awm.pipeline.yaml',
    project
      .read('awm.pipeline.yaml')
      .replace('punctuation: "!"', 'punctuation: 3')
      .replace('greeting: greet.greeting', 'greeting: gret.greeting'),
  );
  const result = await project.run(['build']);
  assert.is(result.code, 2);
  const lines = result.stderr.split('\n').filter((line) => line.startsWith('awm.pipeline.yaml:'));
  assert.equal(lines, [
    'awm.pipeline.yaml:22:20: param "punctuation" of stage "greet" must be a string (got 3)',
    'awm.pipeline.yaml:27:17: stage "shout" reads "gret.greeting", but there is no stage "gret"',
  ]);
  assert.match(result.stderr, /2 problems in the pipeline; nothing was built\./);
  assert.not.ok(project.exists('out'));
});

Build('dag draws the stage graph as Mermaid and DOT', async () => {
  const mermaid = await project.run(['dag']);
  assert.is(mermaid.code, 0, mermaid.stderr);
  assert.match(mermaid.stdout, /^flowchart LR/);
  assert.match(mermaid.stdout, /list -->\|row \(one row\)\| greet/);
  assert.match(mermaid.stdout, /greet\["greet · per scenario"\]/);
  const dot = await project.run(['dag', '--format', 'dot']);
  assert.match(dot.stdout, /"shout" -> "measure" \[label="shout"\];/);
});

Build.run();
