// The reference solution of a scenario's task, for `--policy reference`: the verifier stage's
// `<scenario dir>/verifiers/<task_id>.json` (its `solution: { calls, answer }`) when that file
// exists, else the hand-written `demo/solutions/<scenario>.json` of the demo scenarios.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSolutions, type SolutionCall } from '../synthesis/solutions.js';
import { isRecord } from '../util/is-record.js';
import { err, ok, type Result } from '../util/result.js';

export interface ReferenceSolution {
  readonly calls: readonly SolutionCall[];
  /** The expected answer of a question; null for a change. */
  readonly answer: string | null;
  /** Where it was read, relative to the project. */
  readonly source: string;
}

export interface SolutionPlace {
  readonly root: string;
  readonly scenarioDir: string;
  readonly scenario: string;
  readonly taskId: string;
}

export function loadReferenceSolution(place: SolutionPlace): Result<ReferenceSolution, string> {
  const verifier = join(place.scenarioDir, 'verifiers', `${place.taskId}.json`);
  if (existsSync(verifier)) return fromVerifier(verifier, relative(place.root, verifier));
  const demo = join(place.root, 'demo', 'solutions', `${place.scenario}.json`);
  if (!existsSync(demo))
    return err(
      `no reference solution for ${place.scenario} ${place.taskId}: neither ${relative(place.root, verifier)} ` +
        `(the verifier stage writes it) nor ${relative(place.root, demo)} exists`,
    );
  return fromDemo(demo, relative(place.root, demo), place.taskId);
}

function fromVerifier(path: string, source: string): Result<ReferenceSolution, string> {
  const solution = readJson(path, source);
  if (!solution.ok) return solution;
  const value = isRecord(solution.value) ? solution.value['solution'] : undefined;
  const calls = isRecord(value) ? value['calls'] : undefined;
  const answer = isRecord(value) ? (value['answer'] ?? null) : undefined;
  const wellFormed =
    Array.isArray(calls) &&
    calls.every((call) => isRecord(call) && typeof call['tool'] === 'string' && isRecord(call['arguments'])) &&
    (answer === null || typeof answer === 'string');
  if (!wellFormed) return err(`${source} has no solution of the shape { calls: [{ tool, arguments }], answer }`);
  return ok({ calls: calls as SolutionCall[], answer: answer as string | null, source });
}

function fromDemo(path: string, source: string, taskId: string): Result<ReferenceSolution, string> {
  const json = readJson(path, source);
  if (!json.ok) return json;
  const parsed = parseSolutions(json.value);
  if (!parsed.ok) return err(`${source} is not a solutions file: ${parsed.problems.join('; ')}`);
  const task = parsed.value.tasks.find((candidate) => candidate.id === taskId);
  if (task === undefined) return err(`${source} has no solution for ${taskId}`);
  return ok({ calls: task.calls, answer: task.answer ?? null, source });
}

function readJson(path: string, source: string): Result<unknown, string> {
  try {
    return ok(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    return err(`${source} could not be read as JSON: ${(error as Error).message}`);
  }
}
