// The offline main job: a fresh clone builds the three demo scenarios from the recorded example
// responses and reproduces the committed awm.lock exactly; a second build does nothing.
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { TaskRow } from '../src/synthesis/artifacts.js';
import { depthFigures, parseSolutions, solutionProblems } from '../src/synthesis/solutions.js';
import type { ToolSpecFile } from '../src/synthesis/tool-spec.js';
import type { TempProject } from './support/cli-rig.js';
import { freshClone } from './support/fresh-clone.js';
import { setUp } from './support/set-up.js';

const Demo = suite('demo: offline build of the bundled scenarios');
let clone: TempProject;

setUp(Demo, () => {
  clone = freshClone();
});
Demo.after(() => clone.remove());

Demo('awm build --frozen on a fresh clone reproduces the committed awm.lock, offline', async () => {
  const lock = clone.read('awm.lock');
  const result = await clone.run(['build', '--frozen']);
  assert.is(
    result.code,
    0,
    `${result.stdout}\n${result.stderr}\n(if stage code, prompts or recorded responses changed on purpose, run \`npx awm build\` and commit awm.lock)`,
  );
  assert.match(result.stdout.split('\n')[0] ?? '', /offline demo provider/);
  assert.match(result.stdout, /built 49, fresh 0, failed 0, skipped 0/);
  assert.is(clone.read('awm.lock'), lock);
  for (const scenario of SCENARIOS) {
    for (const file of [
      'scenario.json',
      'tasks.json',
      'schema.json',
      'sample.json',
      'seed.db',
      'spec.json',
      'tools.mjs',
      'env.json',
    ]) {
      assert.ok(clone.exists(`artifacts/${scenario}/${file}`), `artifacts/${scenario}/${file}`);
    }
  }
});

Demo(
  'every demo env passes its check: every tool answers its examples in the sandbox, every solution replays',
  async () => {
    for (const scenario of SCENARIOS) {
      const env = JSON.parse(clone.read(`artifacts/${scenario}/env.json`)) as {
        check: { tools_passing: number; tools_total: number; solutions: { replayed: number; failed: number } };
      };
      assert.ok(env.check.tools_total >= 30, scenario);
      assert.is(env.check.tools_passing, env.check.tools_total, scenario);
      assert.equal(env.check.solutions, { replayed: 10, failed: 0 }, scenario);
    }
    const status = await clone.run(['status']);
    assert.match(status.stdout, /checks \(as last built\):\n {2}clinic_appointment_booking:env +39\/39 tools pass/);
    for (const scenario of SCENARIOS)
      assert.match(status.stdout, new RegExp(`\\n {2}${scenario}:verifier +10/10 tasks: discriminates\\n`));
  },
);

Demo(
  'every demo verifier discriminates: its self-test passed, and noise rows shifted the ids each change creates',
  async () => {
    for (const scenario of SCENARIOS) {
      for (let index = 0; index < 10; index += 1) {
        const file = `artifacts/${scenario}/verifiers/task_0${index}.json`;
        const verifier = JSON.parse(clone.read(file)) as {
          self_test: {
            discriminates: boolean;
            noise: { skipped: unknown[] } | null;
            checks: { got: string; expected: string }[];
          };
        };
        assert.ok(verifier.self_test.discriminates, file);
        assert.ok(verifier.self_test.checks.length >= 3, file);
        assert.ok(
          verifier.self_test.checks.every((check) => check.got === check.expected),
          file,
        );
        if (verifier.self_test.noise !== null) assert.equal(verifier.self_test.noise.skipped, [], file);
      }
    }
  },
);

Demo('a second build does nothing and check passes', async () => {
  const second = await clone.run(['build']);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stdout, /built 0, fresh 49/);
  const check = await clone.run(['check']);
  assert.is(check.code, 0, check.stdout);
});

const SCENARIOS = ['online_bookstore', 'clinic_appointment_booking', 'personal_banking'];

Demo('each demo scenario has 10 tasks and a seed database with user 1', async () => {
  const { default: Database } = await import('better-sqlite3');
  for (const scenario of SCENARIOS) {
    const tasks = JSON.parse(clone.read(`artifacts/${scenario}/tasks.json`)) as { id: string }[];
    assert.is(tasks.length, 10);
    assert.is(tasks[0]?.id, 'task_00');
    const db = new Database(join(clone.dir, `artifacts/${scenario}/seed.db`), { readonly: true });
    try {
      const user = db.prepare('SELECT id FROM users WHERE id = 1').get();
      assert.ok(user, `${scenario} has user 1`);
    } finally {
      db.close();
    }
  }
});

Demo(
  "the reference solutions fit the build: tools and arguments exist, questions' answers are in the seed, changes are not done yet",
  async () => {
    const { default: Database } = await import('better-sqlite3');
    for (const scenario of SCENARIOS) {
      const parsed = parseSolutions(JSON.parse(clone.read(`demo/solutions/${scenario}.json`)));
      if (!parsed.ok) return assert.unreachable(`demo/solutions/${scenario}.json: ${parsed.problems.join('; ')}`);
      const seed = new Database(join(clone.dir, `artifacts/${scenario}/seed.db`), { readonly: true });
      try {
        const built = {
          tasks: JSON.parse(clone.read(`artifacts/${scenario}/tasks.json`)) as TaskRow[],
          spec: JSON.parse(clone.read(`artifacts/${scenario}/spec.json`)) as ToolSpecFile,
          seed,
        };
        assert.equal(solutionProblems(parsed.value, built), [], scenario);
        const depth = depthFigures(parsed.value, built);
        const shown = `${scenario}: ${JSON.stringify(depth)}`;
        assert.ok(depth.tables >= 15 && depth.tools >= 30 && depth.tasks === 10, shown);
        assert.ok(depth.meanWords >= 25 && depth.meanCalls >= 3 && depth.multiStepShare >= 0.5, shown);
      } finally {
        seed.close();
      }
    }
  },
);

Demo.run();
