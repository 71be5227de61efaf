// The `awm env` commands through the real CLI, on a copy of the demo project built offline once for
// the whole file: `start` serves an env the SDK's own Client uses, and SIGTERM leaves a final.db
// holding the session's changes; `check` lists a server's tools or says why it cannot; `check-all`
// exercises every env; `call` runs one call; refusals name what is wrong and what to do.
import { createServer, type Server } from 'node:net';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashDatabaseFile } from '../src/sqlite/canonical-dump.js';
import type { TempProject } from './support/cli-rig.js';
import { exitCode, killLeftoverClis, runCli, startCli, waitFor } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';
import { setUp } from './support/set-up.js';

const Env = suite('awm env: start, check, check-all, call, reset-db on the built demo');
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

const URL_LINE = /^awm: env (\S+) at (http:\/\/\S+\/mcp)$/m;

Env(
  'env start on port 0: the URL line, 38 tools for the SDK Client, a write call kept in final.db after SIGTERM',
  async () => {
    const cli = startCli(project, ['env', 'start', '--scenario', 'online_bookstore', '--port', '0']);
    const url = await waitFor('the URL line', () => URL_LINE.exec(cli.stdout())?.[2], { cli, timeoutMs: 30_000 });
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    // The run folder's line may arrive in a later chunk than the URL's.
    const folder = await waitFor('the run folder line', () => /run folder (\S+) /.exec(cli.stdout())?.[1], {
      cli,
      timeoutMs: 10_000,
    });
    const runDir = join(project.dir, folder);

    const client = new Client({ name: 'env-cli-test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));
    const { tools } = await client.listTools();
    assert.is(tools.length, 38);
    assert.ok(tools.some((tool) => tool.name === 'create_wishlist'));
    const read = await client.callTool({ name: 'get_book', arguments: { book_id: 1 } });
    assert.is(read.isError, undefined, JSON.stringify(read));
    assert.is((read.structuredContent as { title: string }).title, 'The Left Hand of Darkness');
    const write = await client.callTool({ name: 'create_wishlist', arguments: { name: 'Env CLI test list' } });
    assert.is(write.isError, undefined, JSON.stringify(write));
    await client.close();

    const check = await runCli(project, ['env', 'check', '--url', url]);
    assert.is(check.code, 0, check.stderr);
    assert.match(check.stdout, `${url} (server "online_bookstore") lists 38 tools:\n  search_books\n  get_book\n`);

    cli.killGroup('SIGTERM');
    assert.is(await exitCode(cli, 30_000), 0, cli.stderr());
    assert.match(cli.stdout(), 'awm: env online_bookstore stopped; final.db in outputs/servers/');
    const final = new Database(join(runDir, 'final.db'), { readonly: true, fileMustExist: true });
    try {
      assert.is(final.pragma('integrity_check', { simple: true }), 'ok');
      const row = final.prepare("SELECT name FROM wishlists WHERE name = 'Env CLI test list'").get();
      assert.equal(row, { name: 'Env CLI test list' });
    } finally {
      final.close();
    }
    const seed = join(project.dir, 'artifacts/online_bookstore/seed.db');
    assert.equal(hashDatabaseFile(join(runDir, 'initial.db')), hashDatabaseFile(seed));
    assert.not.equal(hashDatabaseFile(join(runDir, 'final.db')), hashDatabaseFile(seed));
    const log = project.read(join(runDir.slice(project.dir.length + 1), 'server.log'));
    const lines = log
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(
      lines.map((line) => line['event'] ?? line['tool']),
      ['listening', 'get_book', 'create_wishlist', 'stopping', 'stopped'],
    );
  },
);

Env('env check against a port where nothing listens: exit 1, and what to do', async () => {
  const port = await freePort();
  const result = await runCli(project, ['env', 'check', '--url', `http://127.0.0.1:${port}/mcp`]);
  assert.is(result.code, 1);
  assert.is(
    result.stderr,
    `awm: nothing listens at http://127.0.0.1:${port}/mcp (connection refused); start an env with \`awm env start --scenario S\`, or check the port\n`,
  );
  const noUrl = await runCli(project, ['env', 'check']);
  assert.is(noUrl.code, 2);
  assert.match(noUrl.stderr, '`awm env check` needs --url U');
});

Env('env call: the result and exit 0; an error result and exit 1; an unknown tool or bad JSON, exit 2', async () => {
  const ok = await runCli(project, ['env', 'call', '--scenario', 'online_bookstore', 'get_book', '{"book_id": 1}']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is((JSON.parse(ok.stdout) as { title: string }).title, 'The Left Hand of Darkness');

  const missing = await runCli(project, [
    'env',
    'call',
    '--scenario',
    'online_bookstore',
    'get_book',
    '{"book_id": 9999}',
  ]);
  assert.is(missing.code, 1);
  assert.equal(JSON.parse(missing.stdout), { error: { code: 'not_found', message: 'No book has id 9999.' } });

  const unknown = await runCli(project, ['env', 'call', '--scenario', 'online_bookstore', 'get_books', '{}']);
  assert.is(unknown.code, 2);
  assert.is(unknown.stdout, '');
  assert.match(
    unknown.stderr,
    /^awm: online_bookstore has no tool "get_books"; similar tools: get_book, search_books, /,
  );
  assert.match(unknown.stderr, '\nthe 38 tools of online_bookstore: search_books, get_book, ');

  const badJson = await runCli(project, ['env', 'call', '--scenario', 'online_bookstore', 'get_book', '{book_id: 1}']);
  assert.is(badJson.code, 2);
  assert.match(badJson.stderr, /^awm: the arguments are not JSON: .*; give one JSON object, quoted for the shell/);
});

Env('env call --keep keeps the run folder with final.db and says where', async () => {
  const args = ['env', 'call', '--scenario', 'online_bookstore', 'create_wishlist', '{"name": "Kept"}', '--keep'];
  const kept = await runCli(project, args);
  assert.is(kept.code, 0, kept.stderr);
  const folder = /kept the run folder (\S+) /.exec(kept.stderr)?.[1];
  assert.ok(folder?.startsWith('outputs/calls/'), kept.stderr);
  const final = new Database(join(project.dir, folder!, 'final.db'), { readonly: true, fileMustExist: true });
  try {
    assert.equal(final.prepare("SELECT name FROM wishlists WHERE name = 'Kept'").get(), { name: 'Kept' });
  } finally {
    final.close();
  }
});

Env('env check-all: every demo env served, listed and called; the table, exit 0', async () => {
  const result = await runCli(project, ['env', 'check-all'], {}, 180_000);
  assert.is(result.code, 0, result.stdout + result.stderr);
  const rows = result.stdout
    .split('\n')
    .filter((line) => /^(online_bookstore|clinic_appointment_booking|personal_banking) /.test(line))
    .map((line) => line.split(/\s+/));
  assert.equal(
    rows.map(([scenario, listed, ok, business, failed, , verdict]) => [
      scenario,
      listed,
      ok,
      business,
      failed,
      verdict,
    ]),
    [
      ['online_bookstore', '38', '38', '0', '0', 'pass'],
      ['clinic_appointment_booking', '39', '39', '0', '0', 'pass'],
      ['personal_banking', '38', '38', '0', '0', 'pass'],
    ],
  );
  assert.match(result.stdout, /^scenario +tools listed +examples ok +business error +failed +ms +result$/m);
  assert.match(result.stdout, 'awm: all 3 envs pass\n');
});

Env(
  'env start refuses an env that is not built or failed its check (exit 1), an unknown scenario (exit 2) and a taken port (exit 1)',
  async () => {
    const report = join(project.dir, 'artifacts/personal_banking/env.json');
    renameSync(report, `${report}.away`);
    try {
      const unbuilt = await runCli(project, ['env', 'start', '--scenario', 'personal_banking']);
      assert.is(unbuilt.code, 1);
      assert.is(
        unbuilt.stderr,
        'awm: the env of personal_banking is not built (no artifacts/personal_banking/env.json); run `awm build personal_banking` (it builds the env and what it needs)\n',
      );
    } finally {
      renameSync(`${report}.away`, report);
    }
    const passing = readFileSync(report, 'utf8');
    writeFileSync(report, passing.replace('"tools_passing": 38', '"tools_passing": 37'));
    try {
      const failed = await runCli(project, ['env', 'start', '--scenario', 'personal_banking']);
      assert.is(failed.code, 1);
      assert.is(
        failed.stderr,
        'awm: the env of personal_banking failed its check when it was built: 37 of 38 tools pass (artifacts/personal_banking/env.json); fix the failing tools and run `awm build personal_banking:env`\n',
      );
    } finally {
      writeFileSync(report, passing);
    }
    const unknown = await runCli(project, ['env', 'start', '--scenario', 'pet_store']);
    assert.is(unknown.code, 2);
    assert.is(
      unknown.stderr,
      'awm: there is no scenario "pet_store" in this project; the scenarios: online_bookstore, clinic_appointment_booking, personal_banking\n',
    );
    const holder = await listening();
    try {
      const port = (holder.address() as { port: number }).port;
      const taken = await runCli(project, ['env', 'start', '--scenario', 'online_bookstore', '--port', String(port)]);
      assert.is(taken.code, 1);
      assert.is(
        taken.stderr,
        `awm: port ${port} on 127.0.0.1 is taken (another env or program listens there); choose another with --port, or --port 0 for a free one\n`,
      );
    } finally {
      holder.close();
    }
  },
);

Env('env reset-db rebuilds the seed database through the build, and the project stays fresh', async () => {
  const result = await runCli(project, ['env', 'reset-db', '--scenario', 'online_bookstore'], {}, 120_000);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(
    result.stdout,
    'awm env reset-db: rebuilding artifacts/online_bookstore/seed.db from schema and sample data: awm build --force online_bookstore:sample\n',
  );
  assert.match(result.stdout, /built 1, fresh \d+, failed 0/);
  assert.match(result.stdout, 'awm env reset-db: rebuilt artifacts/online_bookstore/seed.db\n');
  const check = await runCli(project, ['check']);
  assert.is(check.code, 0, check.stdout);
});

Env('awm env --help explains each command in a line; awm --help lists them; a misspelt command is named', async () => {
  const help = await runCli(project, ['env', '--help']);
  assert.is(help.code, 0);
  for (const name of ['start', 'check', 'check-all', 'reset-db', 'call'])
    assert.match(help.stdout, new RegExp(`^  ${name} +\\S.*$`, 'm'));
  const usage = await runCli(project, ['--help']);
  assert.match(usage.stdout, '  env start --scenario S [--port P] [--host H] [--token T]\n');
  const misspelt = await runCli(project, ['env', 'check_everything']);
  assert.is(misspelt.code, 2);
  assert.is(
    misspelt.stderr,
    'awm: unknown env command "check_everything"; the env commands: start, check, check-all, reset-db, call (`awm env --help` explains each)\n',
  );
  const misplaced = await runCli(project, ['env', 'start', '--url', 'http://x']);
  assert.is(misplaced.code, 2);
  assert.is(
    misplaced.stderr,
    'awm: --url is not an option of `awm env start` (it takes --scenario, --port, --host, --token)\n',
  );
});

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function freePort(): Promise<number> {
  const server = await listening();
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

Env.run();
