// The no-op proof (engine/clean-stamp.ts): once a run judged everything fresh, the next build,
// status and check answer from the stat of every file that judgement read. These tests show the
// fast path is taken when nothing changed, and that no change to what a build reads slips past it:
// a touch without a change, a change that keeps size and mtime, a file replaced by rename.
import { renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { provenClean, type StatFile } from '../src/engine/clean-stamp.js';
import { modelRuleKey } from '../src/llm/model-choice.js';
import { TempProject } from './support/cli-rig.js';
import { greetingFiles } from './support/greeting-fixture.js';

const Proof = suite('engine: the no-op proof');
let project: TempProject;

interface StatusJson {
  instances: { instance: string; state: string; reasons: { code: string; message: string }[] }[];
}

const notFresh = async (): Promise<Record<string, string>> => {
  const report = (await project.json(['status', '--json'])) as StatusJson;
  return Object.fromEntries(
    report.instances
      .filter((i) => i.state !== 'fresh')
      .map((i) => [i.instance, `${i.state}: ${i.reasons.map((reason) => reason.message).join(' | ')}`]),
  );
};

/** Whether the last run answered from the proof: it reads (and so rewrites) no other local state. */
const answeredFromProof = async (
  args: readonly string[],
): Promise<{ fromProof: boolean; stdout: string; code: number | null }> => {
  for (const file of ['hashes.json', 'render-memo.json'])
    rmSync(join(project.dir, '.awm/state', file), { force: true });
  const result = await project.run(args);
  return { fromProof: !project.exists('.awm/state/hashes.json'), stdout: result.stdout, code: result.code };
};

Proof.before.each(async () => {
  project = new TempProject(greetingFiles());
  const first = await project.run(['build']);
  assert.is(first.code, 0, first.stderr + first.stdout);
});
Proof.after.each(() => project.remove());

Proof(
  'a build that leaves everything fresh proves it; the next build, status and check answer from the proof',
  async () => {
    assert.ok(project.exists('.awm/state/clean.json'), 'the first build records the proof');
    const build = await answeredFromProof(['build']);
    assert.ok(build.fromProof);
    assert.match(build.stdout, /built 0, fresh 10, failed 0, skipped 0/);
    const status = await answeredFromProof(['status']);
    assert.ok(status.fromProof);
    assert.match(status.stdout, /10 instances: 10 fresh, 0 stale/);
    const check = await answeredFromProof(['check']);
    assert.ok(check.fromProof);
    assert.is(check.code, 0);
    const targeted = await answeredFromProof(['build', 'beta']);
    assert.ok(targeted.fromProof);
    assert.match(targeted.stdout, /built 0, fresh 4, failed 0, skipped 0/);
  },
);

Proof('a touch without a change takes the full path, which finds everything fresh and proves it again', async () => {
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(project.dir, 'prompts/greeting.md'), later, later);
  const touched = await answeredFromProof(['build']);
  assert.not.ok(touched.fromProof);
  assert.match(touched.stdout, /built 0, fresh 10, failed 0, skipped 0/);
  assert.equal(await notFresh(), {});
});

Proof('a change that keeps the size and the mtime is not missed', async () => {
  const prompt = join(project.dir, 'prompts/greeting.md');
  const before = statSync(prompt);
  writeFileSync(prompt, '{{! the greeting every scenario gets }}\nHullo {{name}}\n');
  utimesSync(prompt, before.atimeMs / 1000, before.mtimeMs / 1000);
  assert.is(statSync(prompt).size, before.size);
  // The same mtime as far as the system can set it (timestamps are kept to the microsecond or so).
  assert.ok(Math.abs(statSync(prompt).mtimeMs - before.mtimeMs) < 0.01);
  assert.equal(await notFresh(), {
    'alpha:greet': 'stale: prompt "greeting" renders a different request (prompts/greeting.md)',
    'alpha:shout': 'blocked: waits for alpha:greet (stale)',
    'alpha:measure': 'blocked: waits for alpha:shout (blocked)',
    'beta:greet': 'stale: prompt "greeting" renders a different request (prompts/greeting.md)',
    'beta:shout': 'blocked: waits for beta:greet (stale)',
    'beta:measure': 'blocked: waits for beta:shout (blocked)',
    'gamma:greet': 'stale: prompt "greeting" renders a different request (prompts/greeting.md)',
    'gamma:shout': 'blocked: waits for gamma:greet (stale)',
    'gamma:measure': 'blocked: waits for gamma:shout (blocked)',
  });
  const rebuilt = await project.run(['build']);
  assert.match(rebuilt.stdout, /built 9, fresh 1, failed 0, skipped 0/);
  assert.is(project.read('out/beta/greeting.txt'), 'Hullo beta!\n');
});

Proof('an input replaced by rename, with the same size and mtime, is not missed', async () => {
  const input = join(project.dir, 'data/names.json');
  const before = statSync(input);
  const replacement = join(project.dir, 'data/.names.json.new');
  writeFileSync(replacement, JSON.stringify(['alpha', 'betb', 'gamma']));
  utimesSync(replacement, before.atimeMs / 1000, before.mtimeMs / 1000);
  renameSync(replacement, input);
  assert.is(statSync(input).size, before.size);
  const build = await answeredFromProof(['build']);
  assert.not.ok(build.fromProof);
  assert.match(build.stdout, /built \d+, fresh \d+, failed 0/);
  assert.ok(project.exists('out/betb/greeting.txt'), 'the new scenario was built');
});

Proof('an output edited by hand is not missed', async () => {
  const output = join(project.dir, 'out/gamma/shout.txt');
  const before = statSync(output);
  writeFileSync(output, 'HELLO GAMMX!\n');
  utimesSync(output, before.atimeMs / 1000, before.mtimeMs / 1000);
  const check = await answeredFromProof(['check']);
  assert.not.ok(check.fromProof);
  assert.is(check.code, 1);
  assert.match(check.stdout, /gamma:shout\s+modified/);
});

Proof('a build cut short (a lock journal left behind) is never answered from the proof', async () => {
  writeFileSync(join(project.dir, '.awm/state/lock-journal.jsonl'), '');
  const build = await answeredFromProof(['build']);
  assert.not.ok(build.fromProof);
});

Proof(
  'where time stamps are coarse, a file changed in the instant it was hashed is caught by its content',
  async () => {
    // A file system with coarse stamps (FAT's 2 s, some network mounts) can leave size, mtime, ctime
    // and inode all as they were. The prompt was written just before the first build hashed it, so
    // the proof holds its hash and compares content: here the stat is made to say "unchanged".
    const stamp = JSON.parse(project.read('.awm/state/clean.json')) as {
      paths: string[];
      stats: number[];
      racy: Record<string, string>;
    };
    const prompt = stamp.paths.indexOf('prompts/greeting.md');
    assert.ok(stamp.racy[prompt] !== undefined, 'the prompt was recorded as changed in the instant it was hashed');
    const recorded: StatFile = (path) => {
      const index = stamp.paths.indexOf(relative(project.dir, path));
      const [size, mtimeMs, ctimeMs, ino] = stamp.stats.slice(index * 4, index * 4 + 4) as [
        number,
        number,
        number,
        number,
      ];
      return { size, mtimeMs, ctimeMs, ino };
    };
    // The clock stands still, so the racy prompt never counts as settled between the two looks.
    const proven = () => provenClean(project.dir, modelRuleKey({}), recorded, () => 0);
    assert.ok(proven(), 'with nothing changed the proof holds');
    writeFileSync(
      join(project.dir, 'prompts/greeting.md'),
      '{{! the greeting every scenario gets }}\nHullo {{name}}\n',
    );
    assert.is(proven(), null);
  },
);

Proof('a racy file confirmed by its content after the margin is settled: the proof stops re-reading it', async () => {
  const stamp = (): { paths: string[]; racy: Record<string, string> } =>
    JSON.parse(project.read('.awm/state/clean.json'));
  const prompt = stamp().paths.indexOf('prompts/greeting.md');
  assert.ok(stamp().racy[prompt] !== undefined);
  assert.ok(provenClean(project.dir, modelRuleKey({}), undefined, () => Date.now() + 60_000));
  assert.is(stamp().racy[prompt], undefined, 'settled once confirmed with its stamps older than the margin');
  assert.ok(provenClean(project.dir, modelRuleKey({})), 'and the proof still holds');
});

Proof.run();
