// The reference system's spellings of `awm env` through the real CLI, on a copy of the demo project
// built offline once: `env start --envs_load_path` serves the built env and says the file is not
// read; `env check --url` fails as ours does; `env check_all --input` and `env reset_db --input_db
// --input_sample` run check-all and reset-db, with a note for each file they do not read.
import { createServer } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TempProject } from './support/cli-rig.js';
import { exitCode, killLeftoverClis, runCli, startCli, waitFor } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';
import { setUp } from './support/set-up.js';

const Env = suite('the reference spellings of awm env on the built demo');
let project: TempProject;

setUp(Env, async () => {
  project = freshClone();
  const built = await runCli(project, ['build'], {}, 240_000);
  if (built.code !== 0) throw new Error(`the demo build failed:\n${built.stdout}${built.stderr}`);
});
Env.after(() => {
  killLeftoverClis();
  project.remove();
});

Env(
  'env start --scenario --envs_load_path --port: the built env at the port, and a note that the file is not read',
  async () => {
    const cli = startCli(project, [
      'env',
      'start',
      '--scenario',
      'online_bookstore',
      '--envs_load_path',
      'outputs/gen_envs.jsonl',
      '--port',
      '0',
    ]);
    const url = await waitFor(
      'the URL line',
      () => /^awm: env online_bookstore at (http:\S+\/mcp)$/m.exec(cli.stdout())?.[1],
      {
        cli,
        timeoutMs: 30_000,
      },
    );
    assert.is(
      cli.stderr(),
      'awm: note: --envs_load_path outputs/gen_envs.jsonl is not read: awm serves the env `awm build` made for the scenario, not the Python server in that file\n',
    );
    const check = await runCli(project, ['env', 'check', '--url', url]);
    assert.is(check.code, 0, check.stderr);
    assert.match(check.stdout, `${url} (server "online_bookstore") lists 38 tools:\n`);
    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
  },
);

Env('env check --url where nothing listens: exit 1 and the words of awm env check', async () => {
  const port = await freePort();
  const result = await runCli(project, ['env', 'check', '--url', `http://127.0.0.1:${port}/mcp`]);
  assert.is(result.code, 1);
  assert.is(
    result.stderr,
    `awm: nothing listens at http://127.0.0.1:${port}/mcp (connection refused); start an env with \`awm env start --scenario S\`, or check the port\n`,
  );
});

Env('env check_all --input: check-all’s table, with a note that the file is not read', async () => {
  const args = ['--scenarios', 'online_bookstore'];
  const theirs = await runCli(project, ['env', 'check_all', '--input', 'outputs/gen_envs.jsonl', ...args], {}, 180_000);
  assert.is(theirs.code, 0, theirs.stdout + theirs.stderr);
  assert.match(theirs.stdout, /^online_bookstore +38 +38 +0 +0 +\d+ +pass$/m);
  assert.match(theirs.stdout, 'awm: the env passes\n');
  assert.match(
    theirs.stderr,
    'awm: note: --input outputs/gen_envs.jsonl is not read: awm checks the envs `awm build` made (--scenarios GLOB picks some), not those in that file\n',
  );
});

Env('env reset_db --input_db --input_sample --scenario: reset-db rebuilds the seed, notes for both files', async () => {
  const result = await runCli(
    project,
    [
      'env',
      'reset_db',
      '--input_db',
      'outputs/gen_db.jsonl',
      '--input_sample',
      'outputs/gen_sample.jsonl',
      '--scenario',
      'online_bookstore',
    ],
    {},
    120_000,
  );
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, 'awm env reset-db: rebuilt artifacts/online_bookstore/seed.db\n');
  for (const flag of ['--input_db outputs/gen_db.jsonl', '--input_sample outputs/gen_sample.jsonl'])
    assert.match(
      result.stderr,
      `awm: note: ${flag} is not read: awm rebuilds seed.db from the schema and sample data \`awm build\` made (awm build --force S:sample)\n`,
    );
  const check = await runCli(project, ['check']);
  assert.is(check.code, 0, check.stdout);
});

Env('awm env --help names the reference spellings', async () => {
  const help = await runCli(project, ['env', '--help']);
  assert.match(
    help.stdout,
    "The reference system's spellings `check_all` and `reset_db` work too; `call` is awm's own.\n",
  );
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

Env.run();
