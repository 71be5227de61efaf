// End to end through the real CLI: what becomes stale, and why, after each kind of edit.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TempProject } from './support/cli-rig.js';
import { greetingFiles } from './support/greeting-fixture.js';

interface StatusJson {
  instances: {
    instance: string;
    stage: string;
    scenario: string | null;
    state: string;
    reasons: { code: string; message: string }[];
  }[];
}

const Freshness = suite('engine: fresh and stale');
let project: TempProject;

Freshness.before.each(async () => {
  project = new TempProject(greetingFiles());
  const first = await project.run(['build']);
  assert.is(first.code, 0, first.stderr + first.stdout);
});
Freshness.after.each(() => project.remove());

async function status(): Promise<StatusJson> {
  return (await project.json(['status', '--json'])) as StatusJson;
}

function notFresh(report: StatusJson): Record<string, string> {
  return Object.fromEntries(
    report.instances
      .filter((i) => i.state !== 'fresh')
      .map((i) => [i.instance, `${i.state}: ${i.reasons.map((reason) => reason.message).join(' | ')}`]),
  );
}

Freshness('a first build builds every instance; a second does nothing', async () => {
  assert.is(project.read('out/beta/greeting.txt'), 'Hello beta!\n');
  assert.is(project.read('out/beta/shout.txt'), 'HELLO BETA!\n');
  const second = await project.run(['build']);
  assert.is(second.code, 0);
  assert.match(second.stdout, /built 0, fresh 10, failed 0, skipped 0/);
  const report = await status();
  assert.is(report.instances.length, 10);
  assert.equal(notFresh(report), {});
  const check = await project.run(['check']);
  assert.is(check.code, 0);
  assert.match(check.stdout, /all 10 instances are fresh/);
});

Freshness(
  'status --json reports each instance with stage, scenario (null when global), state and reasons',
  async () => {
    const report = await status();
    const list = report.instances.find((i) => i.stage === 'list');
    assert.equal(list, {
      instance: 'list',
      stage: 'list',
      scenario: null,
      task: null,
      state: 'fresh',
      summary: null,
      reasons: [],
    } as never);
    assert.ok(report.instances.some((i) => i.instance === 'gamma:measure' && i.scenario === 'gamma'));
  },
);

Freshness('a prompt edit makes exactly the instances that render it stale, naming the prompt', async () => {
  project.write('prompts/greeting.md', 'Good morning {{name}}\n');
  const report = await status();
  assert.equal(notFresh(report), {
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
  const check = await project.run(['check']);
  assert.is(check.code, 1);
  assert.match(
    check.stdout,
    /alpha:greet\s+stale\s+prompt "greeting" renders a different request \(prompts\/greeting\.md\)/,
  );
  const build = await project.run(['build']);
  assert.is(build.code, 0);
  assert.match(build.stdout, /built 9, fresh 1/);
  assert.is(project.read('out/alpha/greeting.txt'), 'Good morning alpha!\n');
});

Freshness('an edit to a template comment renders the same requests and changes nothing', async () => {
  project.write('prompts/greeting.md', '{{! reworded comment: still the same greeting }}\nHello {{name}}\n');
  assert.equal(notFresh(await status()), {});
  const lockBefore = project.read('awm.lock');
  const build = await project.run(['build']);
  assert.match(build.stdout, /built 0, fresh 10/);
  assert.is(project.read('awm.lock'), lockBefore);
});

Freshness('a param change names the param with its old and new value', async () => {
  project.write('awm.pipeline.yaml', project.read('awm.pipeline.yaml').replace('punctuation: "!"', 'punctuation: "?"'));
  const report = notFresh(await status());
  assert.is(report['alpha:greet'], 'stale: params changed: punctuation "!" → "?"');
});

Freshness('validation remembered from earlier runs never hides a new problem in the pipeline file', async () => {
  assert.ok(project.exists('.awm/state/validated.json'));
  project.write(
    'awm.pipeline.yaml',
    project
      .read('awm.pipeline.yaml')
      .replace('punctuation: "!"', 'punctuation: 3')
      .replace('foreach: scenario', 'foreach: scenarios'),
  );
  const result = await project.run(['status']);
  assert.is(result.code, 2);
  assert.match(result.stderr, /awm\.pipeline\.yaml:\d+:\d+: .*foreach/);
  project.write(
    'awm.pipeline.yaml',
    project.read('awm.pipeline.yaml').replace('foreach: scenarios', 'foreach: scenario'),
  );
  const params = await project.run(['status']);
  assert.is(params.code, 2);
  assert.match(params.stderr, /param "punctuation" of stage "greet" must be a string \(got 3\)/);
});

Freshness('a stage code change names the stage file', async () => {
  project.write(
    'stages/shout.mjs',
    project.read('stages/shout.mjs').replace("'upper-cases the greeting'", "'upper-cases the greeting, loudly'"),
  );
  const report = notFresh(await status());
  assert.is(report['beta:shout'], 'stale: code of stage "shout" changed (stages/shout.mjs)');
  assert.is(report['beta:greet'], undefined);
});

Freshness('an input file change makes the global stage stale, naming the file', async () => {
  project.write('data/names.json', JSON.stringify(['alpha', 'beta', 'gamma', 'delta']));
  const report = notFresh(await status());
  assert.is(report.list, 'stale: input "names" changed (file data/names.json)');
});

Freshness('adding a scenario builds only the new one; the others stay fresh', async () => {
  project.write('data/names.json', JSON.stringify(['alpha', 'beta', 'gamma', 'delta']));
  const build = await project.run(['build']);
  assert.is(build.code, 0, build.stderr);
  assert.match(build.stdout, /✓ built list /);
  assert.match(build.stdout, /✓ built delta:greet /);
  assert.not.match(build.stdout, /built (alpha|beta|gamma):/);
  assert.match(build.stdout, /built 4, fresh 9/);
});

Freshness('early cutoff: an upstream rebuilt to identical bytes leaves its dependants fresh', async () => {
  // HELLO → the greeting changes, but its shout is the same upper-case text, so measure is untouched.
  project.write('prompts/greeting.md', 'HELLO {{name}}\n');
  const build = await project.run(['build']);
  assert.is(build.code, 0, build.stderr);
  assert.match(build.stdout, /✓ built alpha:greet /);
  assert.match(build.stdout, /✓ built alpha:shout /);
  assert.not.match(build.stdout, /built alpha:measure/);
  assert.match(build.stdout, /built 6, fresh 4/);
});

Freshness('a hand-edited output is reported by check as modified and restored by build', async () => {
  project.write('out/beta/shout.txt', 'HELLO BETA!!!\n');
  const check = await project.run(['check']);
  assert.is(check.code, 1);
  assert.match(check.stdout, /beta:shout\s+modified\s+output "shout" \(out\/beta\/shout\.txt\) differs from awm\.lock/);
  const report = notFresh(await status());
  // measure reads the edited file, so its own fingerprint changed too.
  assert.is(report['beta:measure'], 'stale: input "shout" changed (shout.shout: out/beta/shout.txt)');
  const build = await project.run(['build']);
  assert.match(build.stdout, /✓ built beta:shout /);
  assert.is(project.read('out/beta/shout.txt'), 'HELLO BETA!\n');
  assert.is((await project.run(['check'])).code, 0);
});

Freshness('a deleted output is reported as missing', async () => {
  project.write('out/gamma/size.json', '');
  await import('node:fs').then((fs) => fs.rmSync(`${project.dir}/out/gamma/size.json`));
  const report = notFresh(await status());
  assert.is(report['gamma:measure'], 'missing: output "size" (out/gamma/size.json) does not exist');
});

Freshness('dry run lists what would run and why, and changes nothing', async () => {
  project.write('prompts/greeting.md', 'Hi {{name}}\n');
  const lockBefore = project.read('awm.lock');
  const dry = await project.run(['build', '--dry-run']);
  assert.is(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /would build alpha:greet: prompt "greeting" renders a different request/);
  assert.match(dry.stdout, /would build alpha:shout: may rebuild if alpha:greet changes its outputs/);
  assert.is(project.read('awm.lock'), lockBefore);
  assert.is(project.read('out/alpha/greeting.txt'), 'Hello alpha!\n');
});

Freshness.run();
