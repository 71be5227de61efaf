// Our artifacts written as the reference's JSONL rows. Each row says in the reference's own fields
// what they can say (placeholders resolved against the world clock, tools as POST endpoints of one
// group unless imported, JavaScript verifiers marked `"language": "javascript"`), and carries our
// artifact unchanged in an `awm` field, which import uses while the reference fields still match it.
import { exportSampleTables, exportedScenario, exportedVerifierRow } from './reference-row-writers.js';
import type { SampleFile, ScenarioArtifacts } from './imported-scenario.js';
import type { ReferenceFileName } from './reference-rows.js';
import { endpointsFromTools } from './spec-conversion.js';

/** The lines of each file (JSON text, no newline), scenario by scenario; files with no rows are left out. */
export type ReferenceExport = ReadonlyMap<ReferenceFileName, readonly string[]>;

export function exportReference(scenarios: readonly ScenarioArtifacts[]): ReferenceExport {
  const files = new Map<ReferenceFileName, string[]>();
  const add = (file: ReferenceFileName, row: unknown): void => {
    files.set(file, [...(files.get(file) ?? []), JSON.stringify(row)]);
  };
  for (const scenario of scenarios) {
    const name = scenario.row.name;
    add('gen_scenario.jsonl', { ...exportedScenario(scenario.row), awm: { scenario: scenario.row } });
    if (scenario.tasks)
      add('gen_tasks.jsonl', {
        scenario: name,
        tasks: scenario.tasks.map((task) => task.text),
        awm: { tasks: scenario.tasks },
      });
    if (scenario.schema)
      add('gen_db.jsonl', { scenario: name, db_schema: scenario.schema, db_path: databasePath(scenario.row.id) });
    if (scenario.sample) add('gen_sample.jsonl', sampleRow(name, scenario.sample));
    if (scenario.spec)
      add('gen_spec.jsonl', {
        scenario: name,
        api_spec: endpointsFromTools(scenario.spec),
        awm: { spec: scenario.spec },
      });
    if (scenario.envCode !== null)
      add('gen_envs.jsonl', { scenario: name, db_path: databasePath(scenario.row.id), full_code: scenario.envCode });
    for (const [taskId, verifier] of scenario.verifiers) {
      const row = exportedVerifierRow(verifier, scenario.row.id, taskIndex(taskId));
      add('gen_verifier.jsonl', { ...row, awm: { verifier } });
    }
  }
  return files;
}

function databasePath(id: string): string {
  return `./outputs/databases/${id}.db`;
}

function taskIndex(taskId: string): number {
  const match = /(\d+)$/.exec(taskId);
  if (!match) throw new Error(`internal error: task id "${taskId}" has no number`);
  return Number(match[1]);
}

function sampleRow(name: string, sample: SampleFile): Record<string, unknown> {
  const tables = exportSampleTables(sample);
  return {
    scenario: name,
    tables_count: tables.length,
    inserts_count: tables.reduce((sum, table) => sum + table.insert_statements.length, 0),
    sample_data: { tables },
    awm: { sample },
  };
}
