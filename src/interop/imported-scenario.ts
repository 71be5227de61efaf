// One scenario's artifacts in our formats, as import produces them and export consumes them.
import type { SchemaAnswer } from '../sqlite/apply-schema.js';
import type { SampleTable } from '../sqlite/sample-inserts.js';
import type { ScenarioRow, TaskRow } from '../synthesis/artifacts.js';
import type { ToolSpecFile } from '../synthesis/tool-spec.js';
import type { ImportedVerifier } from './verifier-conversion.js';

/** sample.json as the sample stage writes it. */
export interface SampleFile {
  readonly world_clock: string;
  readonly tables: readonly SampleTable[];
  readonly skipped_statements: readonly {
    readonly table_name: string;
    readonly index: number;
    readonly statement: string;
    readonly error: string;
  }[];
}

/** A verifier file: an imported Python one, or one of ours (verifiers/<task>.json, kept as it is). */
export type VerifierFile = ImportedVerifier | Readonly<Record<string, unknown>>;

/** What export writes from; every part but the row may be missing. */
export interface ScenarioArtifacts {
  readonly row: ScenarioRow;
  readonly tasks: readonly TaskRow[] | null;
  readonly schema: SchemaAnswer | null;
  readonly sample: SampleFile | null;
  readonly spec: ToolSpecFile | null;
  /** The reference's Python env (gen_envs full_code), kept as an artifact; our env stage regenerates handlers. */
  readonly envCode: string | null;
  /** By task id, in task order. */
  readonly verifiers: ReadonlyMap<string, VerifierFile>;
}

export interface ImportedScenario extends ScenarioArtifacts {
  readonly id: string;
  /** What the reference had that our artifacts do not keep, or that was guessed, in words. */
  readonly lost: readonly string[];
}
