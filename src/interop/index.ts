// What `awm import` and `awm export` call: read a folder of the reference's JSONL files, convert
// them into our artifacts (or the problems, all at once), build their seed databases through our
// path, and write our artifacts back as JSONL lines.
export { REFERENCE_FILES, type ReferenceFileName } from './reference-rows.js';
export {
  formatReferenceProblem,
  parseReferenceFiles,
  readReferenceFolder,
  type ImportWarning,
  type ReferenceProblem,
  type ReferenceRun,
} from './reference-files.js';
export { importReference, type ImportOptions, type ReferenceImport } from './import-reference.js';
export type { ImportedScenario, SampleFile, ScenarioArtifacts, VerifierFile } from './imported-scenario.js';
export type { ImportedVerifier } from './verifier-conversion.js';
export { buildReferenceSeed, type RejectedStatement, type SeedReport } from './reference-seed.js';
export { exportReference, type ReferenceExport } from './export-reference.js';
export { specVerdict, type SpecVerdict } from './spec-verdict.js';
