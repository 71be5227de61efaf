// State that heals and exit codes that tell the truth (the hardening issue, group 9). Everything
// under .awm is a cache: a piece that is damaged, truncated, edited, or a file where a folder
// belongs (or the reverse) is dropped with one notice and rebuilt, never a stack trace. awm.lock is
// not a cache: a folder in its place is one clear error that destroys nothing. A damaged seed
// database is not fresh, and a build restores it. A full disk is one line naming where and what to
// do; artifacts on another file system than .awm build as usual. Temp outputs a killed build left
// are swept by the next one. `awm check` agrees with `awm status`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalDump } from '../src/sqlite/canonical-dump.js';
import { AWM_BIN, cleanEnv, REPO_ROOT, TempProject, type CliResult } from './support/cli-rig.js';
import { GREETING_PIPELINE, greetingFiles } from './support/greeting-fixture.js';

// The greeting pipeline plus a stage that writes a SQLite database per scenario (about 120 KB, so
// more than the 64 KB of the small file system below):
//
//   list ──row──▶ greet ──▶ shout ──▶ measure
//                   └─────▶ seed (out/{scenario}/seed.db)
const SEED_STAGE = `import { createRequire } from 'node:module';
const Database = createRequire(${JSON.stringify(join(REPO_ROOT, 'package.json'))})('better-sqlite3');
export default {
  description: 'a seed database of greetings, with an index',
  usesLlm: false,
  async run(ctx) {
    const db = new Database(ctx.outputs.pathFor('db'));
    try {
      db.exec('CREATE TABLE greetings (id INTEGER PRIMARY KEY, text TEXT NOT NULL); CREATE INDEX greetings_by_text ON greetings(text);');
      const insert = db.prepare('INSERT INTO greetings (text) VALUES (?)');
      const greeting = ctx.inputs.text('greeting').trim();
      db.transaction(() => { for (let row = 0; row < 2000; row += 1) insert.run(greeting + ' #' + row); })();
    } finally {
      db.close();
    }
    return { status: 'ok' };
  },
};
`;

function seedFiles(names?: readonly string[]): Record<string, string> {
  return {
    ...greetingFiles(names),
    'awm.pipeline.yaml': `${GREETING_PIPELINE}  seed:
    foreach: scenario
    code: stages/seed.mjs
    inputs:
      greeting: greet.greeting
    outputs:
      db: out/{scenario}/seed.db
`,
    'stages/seed.mjs': SEED_STAGE,
  };
}

const ALL_FRESH = /built 0, fresh 13, failed 0, skipped 0/;

let project: TempProject;

async function builtProject(names?: readonly string[]): Promise<TempProject> {
  const built = new TempProject(seedFiles(names));
  const first = await built.run(['build']);
  assert.is(first.code, 0, first.stdout + first.stderr);
  return built;
}

function output(result: CliResult): string {
  return `${result.stdout}${result.stderr}`;
}

/** No stack trace and no "internal error": what a user sees is words, not awm's insides. */
function assertNoCrash(result: CliResult): void {
  assert.not.match(output(result), /internal error/);
  assert.not.match(output(result), /^\s+at .+:\d+:\d+\)?$/m, 'no stack trace');
}

function lines(text: string, pattern: RegExp): string[] {
  return text.split('\n').filter((line) => pattern.test(line));
}

/** path → SHA-256 of every file of the project outside .awm (links and folders by kind). */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (path === '.awm') continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile())
        files[path] = createHash('sha256')
          .update(readFileSync(join(root, path)))
          .digest('hex');
      else files[path] = 'other';
    }
  };
  walk('');
  return files;
}

/** A state file's JSON, under its `awm-state 1 <sha256>` header. */
function readState(path: string): Record<string, unknown> {
  const text = project.read(path);
  assert.match(text, /^awm-state 1 [0-9a-f]{64}\n/);
  return JSON.parse(text.slice(text.indexOf('\n') + 1)) as Record<string, unknown>;
}

/** Writes a state file as awm would: a valid header, so only its values can be wrong. */
function writeSignedState(path: string, value: unknown): void {
  const body = JSON.stringify(value);
  project.write(path, `awm-state 1 ${createHash('sha256').update(body).digest('hex')}\n${body}`);
}

/**
 * The no-op proof answers a build without reading the stat cache or the memos: a test that damages
 * one of those drops the proof too, as any change to a source or output would.
 */
function dropProof(): void {
  rmSync(join(project.dir, '.awm/state/clean.json'), { force: true });
}

// ── 1. .awm entries replaced, truncated, garbage or edited ────────────────────────────────────

const Heals = suite('hardening: local state that cannot be used is dropped with one notice and rebuilt');
Heals.after.each(() => project.remove());

interface Damage {
  readonly what: string;
  damage(): void;
  readonly notice: string;
}

const damages: readonly Damage[] = [
  {
    what: '.awm itself a file',
    damage: () => {
      rmSync(join(project.dir, '.awm'), { recursive: true });
      project.write('.awm', 'not a folder\n');
    },
    notice: 'local state .awm could not be used (it is a file, not a folder)',
  },
  {
    what: '.awm/state a file',
    damage: () => {
      rmSync(join(project.dir, '.awm/state'), { recursive: true });
      project.write('.awm/state', 'not a folder\n');
    },
    notice: 'local state .awm/state could not be used (it is a file, not a folder)',
  },
  {
    what: '.awm/state a link to nowhere',
    damage: () => {
      rmSync(join(project.dir, '.awm/state'), { recursive: true });
      symlinkSync(join(project.dir, 'nowhere'), join(project.dir, '.awm/state'));
    },
    notice: 'local state .awm/state could not be used (it is a link, not a folder)',
  },
  {
    what: 'the stat cache (hashes.json) a folder',
    damage: () => {
      dropProof();
      rmSync(join(project.dir, '.awm/state/hashes.json'));
      mkdirSync(join(project.dir, '.awm/state/hashes.json/inside'), { recursive: true });
    },
    notice: 'local state .awm/state/hashes.json could not be used (it is a folder, not a file)',
  },
  {
    what: 'the no-op proof (clean.json) a folder',
    damage: () => {
      rmSync(join(project.dir, '.awm/state/clean.json'));
      mkdirSync(join(project.dir, '.awm/state/clean.json/inside'), { recursive: true });
    },
    notice: 'local state .awm/state/clean.json could not be used (it is a folder, not a file)',
  },
  {
    what: 'the build lock (build.pid) a folder',
    damage: () => mkdirSync(join(project.dir, '.awm/build.pid/inside'), { recursive: true }),
    notice: 'local state .awm/build.pid could not be used (it is a folder, not a file)',
  },
  {
    what: 'the stat cache truncated',
    damage: () => {
      dropProof();
      const text = project.read('.awm/state/hashes.json');
      project.write('.awm/state/hashes.json', text.slice(0, Math.floor(text.length / 2)));
    },
    notice: 'local state .awm/state/hashes.json could not be used (its checksum does not match its content)',
  },
  {
    what: 'the render memo garbage',
    damage: () => {
      dropProof();
      writeFileSync(join(project.dir, '.awm/state/render-memo.json'), createHash('sha512').update('x').digest());
    },
    notice: 'local state .awm/state/render-memo.json could not be used (it was not written by this awm)',
  },
  {
    what: 'the validation memo valid JSON written by hand (no header)',
    damage: () => {
      dropProof();
      project.write('.awm/state/validated.json', JSON.stringify(readState('.awm/state/validated.json')));
    },
    notice: 'local state .awm/state/validated.json could not be used (it was not written by this awm)',
  },
  {
    what: 'the stat cache valid, checksummed JSON of the wrong shape',
    damage: () => {
      dropProof();
      writeSignedState('.awm/state/hashes.json', { 'out/alpha/seed.db': { hash: 42 } });
    },
    notice: 'local state .awm/state/hashes.json could not be used (its content does not have the expected shape)',
  },
];

for (const { what, damage, notice } of damages) {
  Heals(`${what}: one notice, a build that heals it, the same lock`, async () => {
    project = await builtProject();
    const lock = project.read('awm.lock');
    const artifacts = snapshot(project.dir);
    damage();
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    assertNoCrash(build);
    assert.equal(lines(output(build), /local state/), [
      `awm: ${notice}; it is only a cache, so it was dropped and is rebuilt`,
    ]);
    assert.match(build.stdout, ALL_FRESH);
    assert.is(project.read('awm.lock'), lock);
    assert.equal(snapshot(project.dir), artifacts);
    assert.ok(lstatSync(join(project.dir, '.awm/state')).isDirectory());
    assert.ok(readState('.awm/state/hashes.json'), 'the stat cache is written anew');
    assert.not.ok(project.exists('.awm/build.pid'), 'the build lock is released');
    const check = await project.run(['check']);
    assert.is(check.code, 0, output(check));
    assert.not.match(output(check), /local state/, 'healed: said once');
  });
}

Heals('status and check heal the same damage with the same notice (on stderr), and agree', async () => {
  project = await builtProject();
  rmSync(join(project.dir, '.awm'), { recursive: true });
  project.write('.awm', 'not a folder\n');
  const status = await project.run(['status']);
  assert.is(status.code, 0, output(status));
  assert.is(
    status.stderr,
    'awm: local state .awm could not be used (it is a file, not a folder); it is only a cache, so it was dropped and is rebuilt\n',
  );
  assert.is(status.stdout, '13 instances: 13 fresh, 0 stale, 0 missing, 0 modified, 0 blocked\n');
  dropProof();
  project.write('.awm/state/hashes.json', 'garbage');
  const check = await project.run(['check']);
  assert.is(check.code, 0, output(check));
  assert.is(
    check.stderr,
    'awm: local state .awm/state/hashes.json could not be used (it was not written by this awm); it is only a cache, so it was dropped and is rebuilt\n',
  );
  assert.is(check.stdout, 'awm check: all 13 instances are fresh\n');
});

Heals('a lock journal of garbage and a torn last line is skipped line by line; the build heals', async () => {
  project = await builtProject();
  const lock = project.read('awm.lock');
  project.write('.awm/state/lock-journal.jsonl', 'garbage\n\u0000\u0001\n{"instance":"alpha:gre');
  const build = await project.run(['build']);
  assert.is(build.code, 0, output(build));
  assertNoCrash(build);
  assert.match(build.stdout, ALL_FRESH);
  assert.is(project.read('awm.lock'), lock);
  assert.not.ok(project.exists('.awm/state/lock-journal.jsonl'), 'folded into awm.lock and removed');
});

// A memo that claims, for the changed prompt, the requests it rendered before would keep the old
// fingerprint: the instance would look fresh and awm.lock would pin what a clean build never makes.
// Its checksum header keeps such a memo out: a hand, an older awm or a torn disk writes none.
Heals(
  'a render memo edited to claim the old requests for a changed prompt is dropped: the lock is a clean build’s',
  async () => {
    project = await builtProject(['alpha']);
    const lockBefore = project.read('awm.lock');
    const oldRequest = Object.values(readState('.awm/state/render-memo.json'))
      .map((prompts) => (prompts as { greeting?: string }).greeting)
      .find((hash) => hash !== undefined);
    assert.ok(oldRequest, 'the memo knows the request alpha:greet rendered');
    const changedPrompt = '{{! the greeting every scenario gets }}\nHi {{name}}\n';
    project.write('prompts/greeting.md', changedPrompt);
    const status = await project.run(['status']);
    assert.match(status.stdout, /alpha:greet\s+stale\s+prompt "greeting" renders a different request/);
    const poisoned = Object.fromEntries(
      Object.entries(readState('.awm/state/render-memo.json')).map(([key, prompts]) => [
        key,
        'greeting' in (prompts as object) ? { greeting: oldRequest } : prompts,
      ]),
    );
    project.write('.awm/state/render-memo.json', JSON.stringify(poisoned));
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    assert.equal(lines(output(build), /local state/), [
      'awm: local state .awm/state/render-memo.json could not be used (it was not written by this awm); it is only a cache, so it was dropped and is rebuilt',
    ]);
    assert.match(build.stdout, /✓ built alpha:greet/);
    const clean = new TempProject({ ...seedFiles(['alpha']), 'prompts/greeting.md': changedPrompt });
    try {
      const cleanBuild = await clean.run(['build']);
      assert.is(cleanBuild.code, 0, output(cleanBuild));
      assert.is.not(clean.read('awm.lock'), lockBefore, 'the prompt change changes the lock');
      assert.is(project.read('awm.lock'), clean.read('awm.lock'));
    } finally {
      clean.remove();
    }
  },
);

Heals(
  'a render memo with plausible but wrong request hashes under a valid checksum: the build renders, and the lock is a clean build’s',
  async () => {
    project = await builtProject();
    const lock = project.read('awm.lock');
    dropProof();
    const memo = readState('.awm/state/render-memo.json');
    const wrong = (hash: string): string => createHash('sha256').update(`not ${hash}`).digest('hex');
    writeSignedState(
      '.awm/state/render-memo.json',
      Object.fromEntries(
        Object.entries(memo).map(([key, prompts]) => [
          key,
          Object.fromEntries(
            Object.entries(prompts as Record<string, string>).map(([name, hash]) => [name, wrong(hash)]),
          ),
        ]),
      ),
    );
    const status = await project.run(['status']);
    assert.match(status.stdout, /alpha:greet\s+stale\s+prompt "greeting" renders a different request/, 'it was read');
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    assertNoCrash(build);
    assert.match(build.stdout, /built 3, fresh 10, failed 0, skipped 0/);
    assert.is(project.read('awm.lock'), lock);
    const check = await project.run(['check']);
    assert.is(check.code, 0, output(check));
  },
);

Heals.run();

// ── 2. awm.lock or an output replaced by a folder ───────────────────────────────────────────────

const Replaced = suite('hardening: awm.lock or an output replaced by a folder');
Replaced.after.each(() => project.remove());

Replaced(
  'awm.lock a folder: one clear error line from build, status and check, exit 2, nothing destroyed',
  async () => {
    project = await builtProject();
    rmSync(join(project.dir, 'awm.lock'));
    project.write('awm.lock/kept.txt', 'whatever the user put here\n');
    const before = snapshot(project.dir);
    for (const command of ['build', 'status', 'check']) {
      const result = await project.run([command]);
      assert.is(result.code, 2, `${command}: ${output(result)}`);
      assert.is(
        result.stderr,
        'awm.lock is a folder, not the file awm build writes. Move it away (or delete it) and run `awm build` to write it anew.\n',
        command,
      );
      assert.is(result.stdout, '', command);
    }
    assert.equal(snapshot(project.dir), before);
    assert.is(project.read('awm.lock/kept.txt'), 'whatever the user put here\n');
  },
);

Replaced(
  'an output replaced by a folder: not fresh, and the build fails it with one clear line, removing nothing',
  async () => {
    project = await builtProject();
    rmSync(join(project.dir, 'out/alpha/shout.txt'));
    project.write('out/alpha/shout.txt/kept.txt', 'mine\n');
    const status = await project.run(['status']);
    assert.match(status.stdout, /alpha:shout\s+missing\s+output "shout" \(out\/alpha\/shout\.txt\) does not exist/);
    const check = await project.run(['check']);
    assert.is(check.code, 1);
    const build = await project.run(['build']);
    assert.is(build.code, 1, output(build));
    assertNoCrash(build);
    assert.equal(lines(build.stdout, /✗/), [
      '✗ failed alpha:shout: output "shout" cannot be put in place: out/alpha/shout.txt is a folder. Move it away (or delete it) and run awm build again',
    ]);
    assert.is(project.read('out/alpha/shout.txt/kept.txt'), 'mine\n');
    rmSync(join(project.dir, 'out/alpha/shout.txt'), { recursive: true });
    const again = await project.run(['build']);
    assert.is(again.code, 0, output(again));
    assert.is(project.read('out/alpha/shout.txt'), 'HELLO ALPHA!\n');
  },
);

Replaced(
  'a file where an output’s folder belongs: status judges it, the build fails it with one clear line',
  async () => {
    project = await builtProject();
    rmSync(join(project.dir, 'out/beta'), { recursive: true });
    project.write('out/beta', 'a file, not a folder\n');
    const status = await project.run(['status']);
    assert.is(status.code, 0, output(status));
    assertNoCrash(status);
    assert.match(status.stdout, /beta:greet\s+missing\s+output "greeting" \(out\/beta\/greeting\.txt\) does not exist/);
    const build = await project.run(['build']);
    assert.is(build.code, 1, output(build));
    assertNoCrash(build);
    assert.equal(lines(build.stdout, /✗/), [
      '✗ failed beta:greet: output "greeting" (out/beta/greeting.txt) cannot be put in place: out/beta is a file where a folder belongs. Move it away (or delete it) and run awm build again',
    ]);
    assert.is(project.read('out/beta'), 'a file, not a folder\n');
  },
);

Replaced.run();

// ── 3. A damaged seed database is not fresh; a build restores it ────────────────────────────────

const Databases = suite('hardening: a damaged seed.db is not fresh, check agrees, and a build restores it');
Databases.after.each(() => project.remove());

const SEED = 'out/alpha/seed.db';

function dumpOf(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    return canonicalDump(db);
  } finally {
    db.close();
  }
}

interface DatabaseDamage {
  readonly what: string;
  damage(path: string): void;
  readonly problem: RegExp;
}

const databaseDamages: readonly DatabaseDamage[] = [
  {
    what: 'truncated',
    damage: (path) => writeFileSync(path, readFileSync(path).subarray(0, 5000)),
    problem: /database disk image is malformed/,
  },
  {
    what: 'filled with garbage',
    damage: (path) => {
      const size = readFileSync(path).length;
      const garbage = Buffer.alloc(size);
      for (let at = 0; at < size; at += 32) createHash('sha256').update(String(at)).digest().copy(garbage, at);
      writeFileSync(path, garbage);
    },
    problem: /file is not a database/,
  },
  {
    what: 'left with a hot journal (a writer killed mid-transaction)',
    damage: (path) => {
      const before = readFileSync(path);
      // A writer whose changes spilled into the file before it was killed: the journal beside it
      // holds the pages to roll back, and only a writable connection may do that.
      const writer = `const Database = require(${JSON.stringify(join(REPO_ROOT, 'node_modules/better-sqlite3'))});
const db = new Database(${JSON.stringify(path)});
db.pragma('journal_mode = DELETE');
db.pragma('cache_size = 1');
db.exec('BEGIN');
db.prepare("UPDATE greetings SET text = text || ?").run('x'.repeat(200));
process.kill(process.pid, 'SIGKILL');`;
      const killed = spawnSync(process.execPath, ['-e', writer]);
      assert.is(killed.signal, 'SIGKILL', killed.stderr.toString());
      assert.ok(project.exists(`${SEED}-journal`), 'a hot journal is left beside it');
      assert.not.ok(readFileSync(path).equals(before), 'the killed writer changed the file');
    },
    problem: /attempt to write a readonly database/,
  },
  {
    what: 'with a corrupt index page (its table data intact)',
    damage: (path) => {
      const before = dumpOf(path);
      const db = new Database(path, { readonly: true });
      const rootPage = db.prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index'").pluck().get() as number;
      const pageSize = db.pragma('page_size', { simple: true }) as number;
      db.close();
      // Four bytes inside the index's root page, in its cell content at the end of the page.
      const file = openSync(path, 'r+');
      writeSync(file, Buffer.from('ZZZZ'), 0, 4, rootPage * pageSize - 16);
      closeSync(file);
      assert.is(dumpOf(path), before, 'every row still reads the same: only the integrity check can tell');
    },
    problem: /integrity check: row \d+ missing from index greetings_by_text/,
  },
];

for (const { what, damage, problem } of databaseDamages) {
  Databases(`seed.db ${what}`, async () => {
    project = await builtProject();
    const lock = project.read('awm.lock');
    const dump = dumpOf(join(project.dir, SEED));
    damage(join(project.dir, SEED));
    const report = (await project.json(['status', '--json'])) as {
      counts: Record<string, number>;
      instances: { instance: string; state: string; reasons: { code: string; problem?: string }[] }[];
    };
    const notFresh = report.instances.filter((instance) => instance.state !== 'fresh');
    assert.equal(
      notFresh.map((instance) => [instance.instance, instance.state, instance.reasons.map((reason) => reason.code)]),
      [['alpha:seed', 'modified', ['output-unreadable']]],
    );
    assert.match(notFresh[0]?.reasons[0]?.problem ?? '', problem);
    const check = await project.run(['check']);
    assert.is(check.code, 1, output(check));
    assertNoCrash(check);
    assert.match(
      check.stdout,
      /alpha:seed\s+modified\s+output "db" \(out\/alpha\/seed\.db\) cannot be read as a database/,
    );
    assert.match(check.stdout, /awm check: 1 of 13 instances are not fresh/);
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    assertNoCrash(build);
    assert.match(build.stdout, /✓ built alpha:seed/);
    assert.match(build.stdout, /built 1, fresh 12, failed 0, skipped 0/);
    assert.not.ok(project.exists(`${SEED}-journal`), 'no journal is left to replay into the new database');
    assert.is(dumpOf(join(project.dir, SEED)), dump);
    assert.is(project.read('awm.lock'), lock);
    const after = await project.run(['check']);
    assert.is(after.code, 0, output(after));
  });
}

Databases.run();

// ── 4. Artifacts on another file system (EXDEV) and on a full one (ENOSPC) ───────────────────────

const Disks = suite('hardening: artifacts on another file system, and on a full one');
Disks.after.each(() => project.remove());

/** Whether this machine lets an unprivileged user mount a tmpfs in a new namespace. */
function canMountTmpfs(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'awm-probe-'));
  try {
    const probe = spawnSync('unshare', ['-Urm', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${dir}'`]);
    return probe.status === 0;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MOUNTS = canMountTmpfs();

/**
 * Runs a shell script in a new user and mount namespace, in the project folder, with `$AWM` the CLI
 * and `$REPORT` a folder outside the project for what the script records. Returns that folder.
 */
function inNamespace(script: string): string {
  const report = mkdtempSync(join(tmpdir(), 'awm-report-'));
  const ran = spawnSync('unshare', ['-Urm', 'sh', '-c', script], {
    cwd: project.dir,
    env: { ...cleanEnv(), AWM: `'${process.execPath}' '${AWM_BIN}'`, REPORT: report },
  });
  assert.is(ran.status, 0, ran.stderr.toString());
  return report;
}

function reported(report: string, name: string): CliResult {
  const read = (suffix: string): string => readFileSync(join(report, `${name}.${suffix}`), 'utf8');
  return { code: Number(read('code')), stdout: read('out'), stderr: read('err') };
}

/** Shell: run awm with the given arguments, recording its output and exit code under `name`. */
const awm = (name: string, args: string): string =>
  `eval "$AWM ${args}" > "$REPORT/${name}.out" 2> "$REPORT/${name}.err"; echo $? > "$REPORT/${name}.code"`;

function skipped(test: string): boolean {
  if (MOUNTS) return false;
  console.log(`skipped: ${test}: this machine does not let an unprivileged user mount a tmpfs (unshare -Urm)`);
  return true;
}

Disks(
  'artifacts on another file system than .awm build and check as usual (temps sit beside their targets)',
  async () => {
    if (skipped('EXDEV')) return;
    project = new TempProject(seedFiles());
    mkdirSync(join(project.dir, 'out'));
    const report = inNamespace(
      [
        'mount -t tmpfs -o size=8m tmpfs out',
        'stat -c %d out > "$REPORT/out.device"; stat -c %d . > "$REPORT/project.device"',
        awm('build', 'build'),
        awm('check', 'check'),
      ].join(' && '),
    );
    try {
      assert.is.not(
        readFileSync(join(report, 'out.device'), 'utf8'),
        readFileSync(join(report, 'project.device'), 'utf8'),
      );
      const build = reported(report, 'build');
      assert.is(build.code, 0, output(build));
      assert.match(build.stdout, /built 13, fresh 0, failed 0, skipped 0/);
      const check = reported(report, 'check');
      assert.is(check.code, 0, output(check));
      assert.is(check.stdout, 'awm check: all 13 instances are fresh\n');
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  },
);

Disks(
  'a full disk under the artifacts: one line naming the path and what to do, exit 1; with space freed the build completes',
  async () => {
    if (skipped('ENOSPC')) return;
    project = new TempProject(seedFiles());
    mkdirSync(join(project.dir, 'out'));
    const report = inNamespace(
      [
        'mount -t tmpfs -o size=64k tmpfs out',
        // --keep-going: every seed starts, whichever fails first.
        awm('full', 'build --keep-going'),
        'find out -name ".awm-tmp-*" > "$REPORT/temps"',
        'mount -o remount,size=8m tmpfs out',
        awm('freed', 'build'),
        awm('check', 'check'),
      ].join(' && '),
    );
    try {
      const full = reported(report, 'full');
      assert.is(full.code, 1, output(full));
      assertNoCrash(full);
      for (const scenario of ['alpha', 'beta', 'gamma'])
        assert.ok(
          full.stdout.includes(
            `✗ failed ${scenario}:seed: the database or the disk is full (SQLITE_FULL) writing out/${scenario}/seed.db: free some space, then run awm build again (finished work is kept)\n`,
          ),
          full.stdout,
        );
      assert.match(full.stdout, /built 10, fresh 0, failed 3, skipped 0/);
      assert.is(readFileSync(join(report, 'temps'), 'utf8'), '', 'no temp output is left on the full disk');
      const freed = reported(report, 'freed');
      assert.is(freed.code, 0, output(freed));
      assert.match(freed.stdout, /✓ built alpha:seed/);
      assert.match(freed.stdout, /built 3, fresh 10, failed 0, skipped 0/, 'finished work was kept');
      const check = reported(report, 'check');
      assert.is(check.code, 0, output(check));
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  },
);

Disks(
  'a full disk under .awm: exit 1, and every line says which file and what to do, without a stack trace',
  async () => {
    if (skipped('ENOSPC under .awm')) return;
    project = new TempProject(seedFiles());
    mkdirSync(join(project.dir, '.awm'));
    const report = inNamespace(['mount -t tmpfs -o size=8k tmpfs .awm', awm('full', 'build')].join(' && '));
    try {
      const full = reported(report, 'full');
      assert.is(full.code, 1, output(full));
      assertNoCrash(full);
      const said = lines(output(full), /ENOSPC/);
      assert.ok(said.length > 0, output(full));
      for (const line of said)
        assert.match(
          line,
          /no space left on the device \(ENOSPC\) at \.awm\/state\/[a-z.-]+: free some space, then run awm build again \(finished work is kept\)$/,
        );
    } finally {
      rmSync(report, { recursive: true, force: true });
    }
  },
);

Disks.run();

// ── 5. Temps a killed build left ───────────────────────────────────────────────────────────────

const Temps = suite('hardening: temp outputs a killed build left are swept by the next build');
Temps.after.each(() => project.remove());

Temps('a temp noted in temps.jsonl, as a kill leaves it, is removed at the start of the next build', async () => {
  project = await builtProject();
  const lock = project.read('awm.lock');
  const artifacts = snapshot(project.dir);
  // What a build killed while alpha:shout and beta:seed ran leaves: their temps beside the targets,
  // noted before they were written (the last note cut short by the kill).
  project.write('out/alpha/.awm-tmp-0123456789ab-shout.txt', 'HELL');
  project.write('out/beta/.awm-tmp-0123456789ab-seed.db', 'SQLite format 3\u0000');
  project.write(
    '.awm/state/temps.jsonl',
    '["out/alpha/.awm-tmp-0123456789ab-shout.txt"]\n["out/beta/.awm-tmp-0123456789ab-seed.db"]\n["out/gamma/.awm-t',
  );
  const build = await project.run(['build']);
  assert.is(build.code, 0, output(build));
  assert.match(build.stdout, ALL_FRESH);
  assert.not.ok(project.exists('out/alpha/.awm-tmp-0123456789ab-shout.txt'));
  assert.not.ok(project.exists('out/beta/.awm-tmp-0123456789ab-seed.db'));
  assert.not.ok(project.exists('.awm/state/temps.jsonl'));
  assert.equal(snapshot(project.dir), artifacts);
  assert.is(project.read('awm.lock'), lock);
});

Temps('a note naming anything but a temp output inside the project removes nothing', async () => {
  project = await builtProject();
  const outside = mkdtempSync(join(tmpdir(), 'awm-outside-'));
  try {
    writeFileSync(join(outside, '.awm-tmp-0123456789ab-x.txt'), 'not awm’s\n');
    const artifacts = snapshot(project.dir);
    project.write(
      '.awm/state/temps.jsonl',
      `${JSON.stringify(['out/alpha/shout.txt', '../x/.awm-tmp-0123456789ab-x.txt', join(outside, '.awm-tmp-0123456789ab-x.txt')])}\n`,
    );
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    assert.equal(snapshot(project.dir), artifacts);
    assert.is(readFileSync(join(outside, '.awm-tmp-0123456789ab-x.txt'), 'utf8'), 'not awm’s\n');
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

Temps('a legacy .awm/tmp folder is removed at the start of the next build', async () => {
  project = await builtProject();
  project.write('.awm/tmp/alpha/shout.txt', 'HELL');
  // It is left only by an older awm, whose no-op proof this awm does not accept.
  dropProof();
  const build = await project.run(['build']);
  assert.is(build.code, 0, output(build));
  assert.not.ok(project.exists('.awm/tmp'));
});

Temps.run();

// ── 6. check and status agree ──────────────────────────────────────────────────────────────────

const Agree = suite('hardening: awm check agrees with awm status');
Agree.after.each(() => project.remove());

Agree(
  'one modified and one missing instance: the same counts, and check fails exactly while status shows them',
  async () => {
    project = await builtProject();
    project.write('out/alpha/shout.txt', 'EDITED BY HAND\n');
    rmSync(join(project.dir, 'out/beta/greeting.txt'));
    const report = (await project.json(['status', '--json'])) as { counts: Record<string, number> };
    assert.equal(report.counts, { fresh: 7, stale: 1, missing: 1, modified: 1, blocked: 3 });
    const status = await project.run(['status']);
    const summary = '13 instances: 7 fresh, 1 stale, 1 missing, 1 modified, 3 blocked';
    assert.equal(lines(status.stdout, /^\d+ instances:/), [summary]);
    const check = await project.run(['check']);
    assert.is(check.code, 1, output(check));
    assert.equal(lines(check.stdout, /^\d+ instances:/), [summary]);
    assert.equal(lines(check.stdout, /^awm check:/), [
      'awm check: 6 of 13 instances are not fresh; run `awm build` and commit awm.lock',
    ]);
    assert.match(check.stdout, /alpha:shout\s+modified/);
    assert.match(check.stdout, /beta:greet\s+missing/);
    const build = await project.run(['build']);
    assert.is(build.code, 0, output(build));
    const fresh = await project.run(['status']);
    assert.is(fresh.stdout, '13 instances: 13 fresh, 0 stale, 0 missing, 0 modified, 0 blocked\n');
    const passes = await project.run(['check']);
    assert.is(passes.code, 0, output(passes));
    assert.is(passes.stdout, 'awm check: all 13 instances are fresh\n');
  },
);

Agree('a list that cannot be read: check names it as well as the instances not fresh', async () => {
  project = await builtProject();
  project.write('out/scenarios.json', '{ not json');
  const status = await project.run(['status']);
  assert.match(status.stdout, /^note: per-scenario stages cannot be listed yet: /m);
  const check = await project.run(['check']);
  assert.is(check.code, 1, output(check));
  assert.equal(lines(check.stdout, /^awm check:/), [
    'awm check: 1 of 1 instances are not fresh; 1 list cannot be read, so the instances that fan out over it cannot be checked; run `awm build` and commit awm.lock',
  ]);
});

Agree.run();
