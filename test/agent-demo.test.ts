// `awm agent --policy reference` on the offline demo: one demo scenario is built in a fresh clone
// (no LLM anywhere), then the reference solutions of its tasks are replayed over MCP in a fresh
// env, through either protocol. A change task ends with a final.db where the task's end_state_sql
// (demo/solutions) returns 1 (and 0 on initial.db); a question ends with the expected answer; a
// verifier stage's solution file, when there is one, is replayed instead of the demo's.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSolutions, type SolutionsFile, type TaskSolution } from '../src/synthesis/solutions.js';
import { readTrajectory, runFolderOf } from './support/agent-fixture.js';
import type { TempProject } from './support/cli-rig.js';
import { freshClone } from './support/fresh-clone.js';
import { setUp } from './support/set-up.js';

const SCENARIO = 'online_bookstore';
const Demo = suite('agent: the reference policy on a demo scenario');
let clone: TempProject;
let solutions: SolutionsFile;

setUp(Demo, async () => {
  clone = freshClone();
  const built = await clone.run(['build', SCENARIO]);
  if (built.code !== 0) throw new Error(`awm build ${SCENARIO} failed:\n${built.stdout}\n${built.stderr}`);
  const parsed = parseSolutions(JSON.parse(clone.read(`demo/solutions/${SCENARIO}.json`)));
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  solutions = parsed.value;
});
Demo.after(() => clone.remove());

function solutionOf(id: string): TaskSolution {
  const task = solutions.tasks.find((candidate) => candidate.id === id);
  if (task === undefined) throw new Error(`no solution for ${id}`);
  return task;
}

function endState(path: string, sql: string): unknown {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).raw(true).all();
  } finally {
    db.close();
  }
}

for (const [taskId, protocol] of [
  ['task_01', 'tools'],
  ['task_03', 'awm-xml'],
] as const) {
  Demo(
    `${taskId} (${protocol} protocol): the replay ends with the task's end state in final.db, not in initial.db`,
    async () => {
      const solution = solutionOf(taskId);
      assert.is(solution.kind === 'question', false);
      const result = await clone.run([
        'agent',
        '--scenario',
        SCENARIO,
        '--task-id',
        taskId,
        '--policy',
        'reference',
        '--protocol',
        protocol,
      ]);
      assert.is(result.code, 0, result.stderr);
      const runDir = runFolderOf(clone, result);
      const trajectory = readTrajectory(runDir);
      assert.equal([trajectory.policy, trajectory.model, trajectory.stop_reason], ['reference', null, 'final_answer']);
      assert.equal(
        trajectory.steps.flatMap((step) => step.tool_results.map((call) => [call.name, call.ok])),
        solution.calls.map((call) => [call.tool, true]),
      );
      assert.equal(endState(join(runDir, 'initial.db'), solution.end_state_sql!), [[0]]);
      assert.equal(endState(join(runDir, 'final.db'), solution.end_state_sql!), [[1]]);
    },
  );
}

Demo('a question: the replay gives the expected answer as the final answer', async () => {
  const result = await clone.run(['agent', '--scenario', SCENARIO, '--task-id', '0', '--policy', 'reference']);
  assert.is(result.code, 0, result.stderr);
  const trajectory = readTrajectory(runFolderOf(clone, result));
  // The build wrote the verifier stage's solution, whose answer the policy prefers to the demo file's.
  const verifier = JSON.parse(clone.read(`artifacts/${SCENARIO}/verifiers/task_00.json`)) as {
    solution: { answer: string };
  };
  assert.equal([trajectory.task_id, trajectory.final_answer], ['task_00', verifier.solution.answer]);
  assert.match(trajectory.final_answer ?? '', /\$118\.47/);
  assert.match(solutionOf('task_00').answer ?? '', /\$118\.47/);
});

Demo("the verifier stage's solution file, when it exists, is replayed instead of the demo's", async () => {
  clone.write(
    `artifacts/${SCENARIO}/verifiers/task_05.json`,
    JSON.stringify({ solution: { calls: [{ tool: 'get_cart', arguments: {} }], answer: 'From the verifier file.' } }),
  );
  const result = await clone.run(['agent', '--scenario', SCENARIO, '--task-id', 'task_05', '--policy', 'reference']);
  assert.is(result.code, 0, result.stderr);
  const trajectory = readTrajectory(runFolderOf(clone, result));
  assert.equal(
    trajectory.steps.flatMap((step) => step.tool_results.map((call) => call.name)),
    ['get_cart'],
  );
  assert.is(trajectory.final_answer, 'From the verifier file.');
});

Demo.run();
