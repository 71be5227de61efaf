// The CLI's own contract: usage errors, a folder without a pipeline, status targets, and watch
// mode living through a broken pipeline file.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exited, TempProject, waitForOutput } from './support/cli-rig.js';
import { GREETING_PIPELINE, greetingFiles } from './support/greeting-fixture.js';

const Cli = suite('engine: CLI');
let project: TempProject;
Cli.before.each(() => {
  project = new TempProject(greetingFiles());
});
Cli.after.each(() => project.remove());

Cli('--help prints the commands; an unknown command or option is a usage error (exit 2)', async () => {
  const help = await project.run(['--help']);
  assert.is(help.code, 0);
  assert.match(help.stdout, /build \[targets…\]/);
  assert.match(help.stdout, /status \[targets…\]/);
  const unknown = await project.run(['bild']);
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "bild"\. Commands: build, status, check, dag/);
  const option = await project.run(['build', '--frozn']);
  assert.is(option.code, 2);
  assert.match(option.stderr, /Unknown option '--frozn'/);
  const jobs = await project.run(['build', '--jobs', 'many']);
  assert.is(jobs.code, 2);
  assert.match(jobs.stderr, /--jobs must be a whole number of at least 1 \(got "many"\)/);
});

Cli('a folder without awm.pipeline.yaml says where it looked and what to do', async () => {
  const empty = new TempProject({});
  try {
    const result = await empty.run(['status']);
    assert.is(result.code, 2);
    assert.match(
      result.stderr,
      /awm\.pipeline\.yaml: there is no awm\.pipeline\.yaml in .*\n {2}hint: run awm in the project folder/,
    );
  } finally {
    empty.remove();
  }
});

Cli('status takes targets like build does', async () => {
  await project.run(['build']);
  project.write('prompts/greeting.md', 'Hey {{name}}\n');
  const status = (await project.json(['status', 'beta', '--json'])) as {
    instances: { instance: string; state: string }[];
  };
  assert.equal(
    status.instances.map((entry) => `${entry.instance} ${entry.state}`),
    ['list fresh', 'beta:greet stale', 'beta:shout blocked', 'beta:measure blocked'],
  );
});

Cli('-C runs in another folder', async () => {
  const result = await new TempProject({}).run(['-C', project.dir, 'build']);
  assert.is(result.code, 0, result.stderr);
  assert.ok(project.exists('out/alpha/size.json'));
});

Cli('watch mode reports a broken pipeline file, keeps watching, and builds once it is fixed', async () => {
  const child = project.spawn(['build', '--watch']);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  try {
    await waitForOutput(child, /watching \d+ sources/);
    writeFileSync(
      join(project.dir, 'awm.pipeline.yaml'),
      GREETING_PIPELINE.replace('foreach: scenario', 'foreach: scenarioz'),
    );
    await waitForOutput(child, /awm\.pipeline\.yaml changed; rebuilding/);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.match(stderr, /awm\.pipeline\.yaml:\d+:\d+: .*foreach/);
    const rebuilt = waitForOutput(child, /built 9, fresh 1/);
    writeFileSync(
      join(project.dir, 'awm.pipeline.yaml'),
      GREETING_PIPELINE.replace('punctuation: "!"', 'punctuation: "."'),
    );
    await rebuilt;
    assert.is(project.read('out/gamma/greeting.txt'), 'Hello gamma.\n');
  } finally {
    child.kill('SIGINT');
    await exited(child);
  }
});

Cli.run();
