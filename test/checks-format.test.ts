// The checks block: one line per instance with a summary, a per-task stage's instances gathered per
// scenario (counting those without one against it), and one line per stage past twenty lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { InstanceStatus } from '../src/engine/status.js';
import { describeChecks } from '../src/logging/checks-format.js';

function instance(stage: string, scenario: string, task: string | null = null): InstanceStatus {
  const key = `${scenario}:${stage}${task === null ? '' : `[${task}]`}`;
  return { instance: key, stage, scenario, task, state: 'fresh', reasons: [] } as unknown as InstanceStatus;
}

test('per-scenario lines, and per-task stages counted per scenario', () => {
  const instances = [
    instance('env', 'shop'),
    instance('verifier', 'shop', 'task_00'),
    instance('verifier', 'shop', 'task_01'),
    instance('verifier', 'shop', 'task_02'),
    instance('tasks', 'shop'),
  ];
  const summaries = new Map([
    ['shop:env', '38/38 tools pass'],
    ['shop:verifier[task_00]', 'discriminates'],
    ['shop:verifier[task_02]', 'discriminates'],
  ]);
  assert.equal(describeChecks(instances, summaries, false), [
    'checks (as last built):',
    '  shop:env       38/38 tools pass',
    '  shop:verifier  2/3 tasks: discriminates',
  ]);
  assert.equal(describeChecks([instance('tasks', 'shop')], new Map(), false), []);
});

test('past twenty lines, one line per stage unless --explain', () => {
  const scenarios = Array.from({ length: 25 }, (_unused, index) => `s${index}`);
  const instances = scenarios.map((scenario) => instance('env', scenario));
  const summaries = new Map(scenarios.slice(1).map((scenario) => [`${scenario}:env`, 'all pass']));
  assert.equal(describeChecks(instances, summaries, false), [
    'checks (as last built; --explain lists each):',
    '  env: 24/25 instances built with their check passed',
  ]);
  assert.is(describeChecks(instances, summaries, true).length, 26);
});

test.run();
