// `awm import` and `awm export` through the real CLI on a fresh offline demo build: the community
// run of the reference pipeline taken in (its seed databases, built through our path, hold the
// reference's tables and rows; its instances are fresh as imported and the env stage waits to build
// on them), exported and imported back with artifacts and awm.lock unchanged, and bad input refused
// with the file and line, importing nothing. Skips when ../shared/awm-samples is absent.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TempProject } from './support/cli-rig.js';
import { awmSamples } from './support/awm-samples.js';
import { killLeftoverClis, runCli } from './support/cli-process.js';
import { freshClone } from './support/fresh-clone.js';
import { setUp } from './support/set-up.js';

const Import = suite('awm import / export: the reference pipeline files');
const samples = awmSamples('awm import of the community run');
const COMMUNITY = samples === null ? '' : join(samples, 'community-run-8-scenarios');
let project: TempProject;
let scratch: string;

setUp(Import, async () => {
  if (samples === null) return;
  project = freshClone();
  scratch = mkdtempSync(join(tmpdir(), 'awm-import-test-'));
  const built = await runCli(project, ['build'], {}, 240_000);
  if (built.code !== 0) throw new Error(`the demo build failed:\n${built.stdout}${built.stderr}`);
});
Import.after(() => {
  if (samples === null) return;
  killLeftoverClis();
  project.remove();
  rmSync(scratch, { recursive: true, force: true });
});

interface StatusJson {
  instances: { instance: string; state: string; reasons: { code: string; message: string }[] }[];
}

function rowCounts(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const names = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all() as string[];
    return Object.fromEntries(
      names.map((name) => [
        name,
        Number(
          db
            .prepare(`SELECT COUNT(*) FROM "${name.replaceAll('"', '""')}"`)
            .pluck()
            .get(),
        ),
      ]),
    );
  } finally {
    db.close();
  }
}

/** Every file under artifacts/ and imports/, path → bytes as text (seed.db by its row counts). */
function snapshot(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const top of ['artifacts', 'imports']) {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(join(project.dir, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          if (entry.name !== 'logs') walk(path);
        } else if (path.endsWith('.db')) files[path] = JSON.stringify(rowCounts(join(project.dir, path)));
        else if (entry.name !== 'report.json') files[path] = readFileSync(join(project.dir, path), 'utf8');
      }
    };
    walk(top);
  }
  return files;
}

Import('the community run: seed databases match the reference row for row; imported instances are fresh', async () => {
  if (samples === null) return;
  const lockBefore = project.read('awm.lock');
  const imported = await runCli(project, ['import', COMMUNITY]);
  assert.is(imported.code, 0, imported.stderr + imported.stdout);
  assert.match(imported.stdout, 'awm: imported 8 scenarios from');
  assert.match(
    imported.stdout,
    /surveymonkey_apply: 10 tasks, 26 tables, 83 rows, 22 statements rejected, 26 tools \(our spec check: \d+ problems\), 10 verifiers/,
  );

  // Their databases, rebuilt by our schema and sample path, against the reference's own.
  const disagreements: string[] = [];
  for (const file of readdirSync(join(COMMUNITY, 'databases'))) {
    const scenario = file.replace(/\.db$/, '');
    const ours = rowCounts(join(project.dir, 'artifacts', scenario, 'seed.db'));
    const theirs = rowCounts(join(COMMUNITY, 'databases', file));
    if (JSON.stringify(ours) !== JSON.stringify(theirs))
      disagreements.push(`${scenario}: ours ${JSON.stringify(ours)} theirs ${JSON.stringify(theirs)}`);
  }
  assert.equal(disagreements, []);
  const report = JSON.parse(project.read('imports/report.json')) as {
    scenarios: { scenario: string; rejected: { table: string; error: string }[] }[];
  };
  const rejected = Object.fromEntries(report.scenarios.map((entry) => [entry.scenario, entry.rejected.length]));
  // Their specs are imported as they are; the report says what our spec stage's check finds.
  const gofundme = (
    report.scenarios as { scenario: string; spec_check?: { passes: boolean; problems: string[] } }[]
  ).find((entry) => entry.scenario === 'gofundme');
  assert.equal(gofundme?.spec_check, {
    passes: false,
    problems: [
      'no tool reads table "users"; add a tool that lists or gets its rows, or name it in tables_read of the tool that does',
    ],
  });
  assert.equal(
    [rejected['etsy_digital_downloads'], rejected['doordash_drive_delivery_tracking'], rejected['surveymonkey_apply']],
    [1, 2, 22],
  );

  // The imported stages are fresh; our env stage is what is left to build on them.
  const status = (await project.json(['status', '--json'])) as StatusJson;
  const state = Object.fromEntries(status.instances.map((entry) => [entry.instance, entry.state]));
  for (const stage of ['scenario', 'tasks', 'schema', 'sample', 'spec'])
    assert.is(state[`gofundme:${stage}`], 'fresh', `gofundme:${stage}`);
  assert.is(state['gofundme:env'], 'missing');
  assert.is(state['gofundme:verifier[task_03]'], 'blocked', 'the imported verifier waits for the env');
  assert.is(state['online_bookstore:env'], 'fresh', "the demo's own instances are untouched");
  const lock = project.read('awm.lock');
  assert.match(lock, '"instance":"gofundme:tasks"');
  assert.match(lock, '"imported":"reference gen_tasks.jsonl"');
  for (const line of lockBefore.split('\n').filter((text) => text.includes('"instance":"online_bookstore:')))
    assert.ok(lock.includes(line), `unchanged: ${line.slice(0, 80)}`);
  const verifier = JSON.parse(project.read('artifacts/gofundme/verifiers/task_00.json')) as Record<string, unknown>;
  assert.equal([verifier['language'], verifier['function_name']], ['python', 'verify_task_completion']);
  assert.ok(project.exists('imports/gofundme/gen_envs.py'));
});

Import('import → export → import leaves the artifacts and awm.lock unchanged', async () => {
  if (samples === null) return;
  const before = snapshot();
  const lock = project.read('awm.lock');
  const out = join(scratch, 'exported');
  const exported = await runCli(project, ['export', out]);
  assert.is(exported.code, 0, exported.stderr);
  assert.match(exported.stdout, /exported 11 scenarios/);
  const verifiers = readFileSync(join(out, 'gen_verifier.jsonl'), 'utf8').trim().split('\n');
  assert.is(verifiers.length, 110, '80 imported and 30 of the demo');
  assert.ok(verifiers.some((line) => JSON.parse(line).verification.language === 'javascript'));
  // Only the imported scenarios go back in (the demo's are this project's generated ones).
  const community = join(scratch, 'community-again');
  cpSync(out, community, { recursive: true });
  for (const file of readdirSync(community)) {
    const lines = readFileSync(join(community, file), 'utf8').trim().split('\n');
    const kept = lines.filter((line) => {
      const row = JSON.parse(line) as { scenario?: string; name?: string };
      return !['online_bookstore', 'clinic_appointment_booking', 'personal_banking'].some(
        (demo) => (row.scenario ?? row.name ?? '').toLowerCase().replaceAll(' ', '_') === demo,
      );
    });
    writeFileSync(join(community, file), `${kept.join('\n')}\n`);
  }
  const again = await runCli(project, ['import', community]);
  assert.is(again.code, 0, again.stderr + again.stdout);
  assert.equal(snapshot(), before);
  assert.is(project.read('awm.lock'), lock);
});

Import('bad files are refused with the file and line, and nothing is imported', async () => {
  if (samples === null) return;
  const lock = project.read('awm.lock');
  const list = project.read('imports/scenarios.json');
  const bad = join(scratch, 'bad');
  cpSync(COMMUNITY, bad, { recursive: true });
  // After the 8 good rows: a broken line, a row without its scenario, a scenario no other file knows.
  const tasks = readFileSync(join(bad, 'gen_tasks.jsonl'), 'utf8').trim().split('\n');
  assert.is(tasks.length, 8);
  tasks.push('{"scenario": "GoFundMe", "tasks": [');
  tasks.push(JSON.stringify({ tasks: ['a task without its scenario'] }));
  tasks.push(JSON.stringify({ scenario: 'Nobody Knows This One', tasks: ['What is it?'] }));
  writeFileSync(join(bad, 'gen_tasks.jsonl'), `${tasks.join('\n')}\n`);
  const refused = await runCli(project, ['import', bad]);
  assert.is(refused.code, 1, refused.stdout);
  assert.match(refused.stderr, /gen_tasks\.jsonl:9: not valid JSON/);
  assert.match(refused.stderr, /gen_tasks\.jsonl:10: the row has no "scenario" field/);
  assert.match(
    refused.stderr,
    /gen_tasks\.jsonl:11: scenario "Nobody Knows This One" \(nobody_knows_this_one\) has no row in gen_scenario\.jsonl/,
  );
  assert.match(refused.stderr, 'nothing was imported (3 problems)');
  assert.is(project.read('awm.lock'), lock);
  assert.is(project.read('imports/scenarios.json'), list);
});

Import('awm gen STAGE: the inputs imported, the stage built for their scenarios, its file written', async () => {
  if (samples === null) return;
  // Without --input: every scenario of the list, from what is built (nothing to build here).
  const tasks = await runCli(project, ['gen', 'task', '--output', 'out/gen_tasks.jsonl']);
  assert.is(tasks.code, 0, tasks.stderr + tasks.stdout);
  const written = project.read('out/gen_tasks.jsonl').trim().split('\n');
  assert.is(written.length, 11);
  const exported = readFileSync(join(scratch, 'exported', 'gen_tasks.jsonl'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(written, exported, 'the rows `awm export` writes');
  // With the reference's named inputs: imported, built (already fresh as imported), written.
  const spec = await runCli(project, [
    'gen',
    'spec',
    '--input_task',
    join(COMMUNITY, 'gen_tasks.jsonl'),
    '--input_db',
    join(COMMUNITY, 'gen_db.jsonl'),
    '--input',
    join(COMMUNITY, 'gen_spec.jsonl'),
    '--output',
    'out/gen_spec.jsonl',
  ]);
  assert.is(spec.code, 0, spec.stderr + spec.stdout);
  assert.match(spec.stdout, 'awm: wrote 8 rows of gen_spec.jsonl');
  const rows = project
    .read('out/gen_spec.jsonl')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { scenario: string; api_spec: { api_groups: unknown[] } });
  assert.equal(
    rows.map((row) => row.scenario).sort(),
    readFileSync(join(COMMUNITY, 'gen_spec.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { scenario: string }).scenario)
      .sort(),
  );
  assert.ok(rows.every((row) => row.api_spec.api_groups.length > 0));
});

Import.run();
