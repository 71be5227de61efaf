// A project folder holding one built scenario, `shop`, made of the env tests' hand-written shop
// fixture (seed.db, spec.json, tools.mjs) plus a task list and env.json's world clock, for running
// `awm agent` through the real CLI against the mock LLM server. No awm.pipeline.yaml: the agent
// needs none when --model is given.
import { copyFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliResult } from './cli-rig.js';
import { TempProject } from './cli-rig.js';
import { makeShopFixture, SHOP_SPEC_PATH, SHOP_TOOLS_PATH, SHOP_WORLD_CLOCK, tableContents } from './env-fixture.js';
import type { Trajectory } from '../../src/agent/trajectory.js';

export const SHOP_TASKS = [
  { id: 'task_00', kind: 'create', text: 'Order two desk lamps for me.' },
  { id: 'task_01', kind: 'question', text: 'Which of my orders are still placed?' },
];

export function makeShopProject(): TempProject {
  const project = new TempProject({
    'artifacts/shop/spec.json': readFileSync(SHOP_SPEC_PATH, 'utf8'),
    'artifacts/shop/tools.mjs': readFileSync(SHOP_TOOLS_PATH, 'utf8'),
    'artifacts/shop/tasks.json': JSON.stringify(SHOP_TASKS, null, 2),
    'artifacts/shop/env.json': JSON.stringify({ world_clock: SHOP_WORLD_CLOCK, tools: [] }),
  });
  const fixture = makeShopFixture();
  copyFileSync(fixture.seedPath, join(project.dir, 'artifacts', 'shop', 'seed.db'));
  fixture.remove();
  return project;
}

/** The folder a run printed as its last stdout line (relative to the project), read back. */
export function runFolderOf(project: TempProject, result: CliResult): string {
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  if (last === '') throw new Error(`the run printed no folder:\n${result.stdout}\n${result.stderr}`);
  return join(project.dir, last);
}

export function readTrajectory(runDir: string): Trajectory {
  return JSON.parse(readFileSync(join(runDir, 'trajectory.json'), 'utf8')) as Trajectory;
}

/** Every file of the run folder, as text, for "no secret leaked" checks. */
export function folderText(runDir: string): string {
  return readdirSync(runDir)
    .map((name) => readFileSync(join(runDir, name)).toString('latin1'))
    .join('\n');
}

export function ordersIn(dbPath: string): unknown[] {
  return tableContents(dbPath)['orders'] ?? [];
}
