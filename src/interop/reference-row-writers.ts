// What export writes in the reference's own fields for one artifact; import compares a row's
// fields with these to tell whether the row's `awm` field (our artifact as exported) still holds.
import { resolveWorldClock } from '../sqlite/time-placeholders.js';
import type { ScenarioRow } from '../synthesis/artifacts.js';
import type { SampleFile, VerifierFile } from './imported-scenario.js';
import type { ReferenceSampleTable, ReferenceScenario, ReferenceVerifier } from './reference-rows.js';
import { exportVerification } from './verifier-conversion.js';

export function exportedScenario(row: ScenarioRow): ReferenceScenario {
  return { name: row.name, description: row.description };
}

/** The sample's tables with every placeholder resolved against its world clock (the reference runs inserts raw). */
export function exportSampleTables(sample: SampleFile): ReferenceSampleTable[] {
  const clock = new Date(sample.world_clock);
  return sample.tables.map((table) => ({
    table_name: table.table_name,
    reasoning: table.reasoning,
    insert_statements: table.insert_statements.map((statement) => {
      const resolved = resolveWorldClock(statement, clock);
      return resolved.ok ? resolved.value : statement;
    }),
  }));
}

/** The gen_verifier row export writes for one verifier (without its awm field). */
export function exportedVerifierRow(verifier: VerifierFile, scenario: string, index: number): ReferenceVerifier {
  const task = (verifier as { task?: unknown }).task;
  return {
    scenario,
    task_idx: index,
    task: typeof task === 'string' ? task : '',
    verification: exportVerification(verifier),
  };
}
