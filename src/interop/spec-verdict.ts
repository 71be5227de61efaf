// What our spec stage's check says of an imported spec (against the usable tables of the imported
// schema), for `awm import`'s report: the reference's specs are taken as they are, but the user
// should know where they fall short of what our own stage would accept.
import { usableSchema, type SchemaAnswer } from '../sqlite/apply-schema.js';
import { checkSpec } from '../synthesis/spec-check.js';
import type { ToolSpecFile } from '../synthesis/tool-spec.js';

export interface SpecVerdict {
  readonly passes: boolean;
  /** The check's problems in words (capped as the stage caps them). */
  readonly problems: readonly string[];
}

export function specVerdict(spec: ToolSpecFile, schema: SchemaAnswer): SpecVerdict {
  const tables = usableSchema(schema).tables.map((table) => table.name);
  const outcome = checkSpec(spec, tables);
  return outcome.ok ? { passes: true, problems: [] } : { passes: false, problems: outcome.errors };
}
