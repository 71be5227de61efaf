// Branded strings: a hash cannot be passed where a stage name is expected, nor a file's hash where
// a fingerprint is, and so on. Each `as…` function below is the one place its brand is made.
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Hex SHA-256 of content an instance reads or writes: a file's bytes, a database's canonical dump, one row of a JSON list. */
export type FileHash = Brand<string, 'FileHash'>;
/** Hex SHA-256 of an instance's fingerprint: equal fingerprints mean the same inputs, code, prompts and settings. */
export type FingerprintHash = Brand<string, 'FingerprintHash'>;
/** Hex SHA-256 of a request: one rendered prompt's text, or a canonical LLM request (the response cache key). */
export type RequestHash = Brand<string, 'RequestHash'>;
/** Hex SHA-256 of a stage module's source file: the stage's code version. */
export type CodeHash = Brand<string, 'CodeHash'>;

/** A stage's name as written under `stages:` in awm.pipeline.yaml. */
export type StageId = Brand<string, 'StageId'>;
/** A normalized scenario name: lower-case, non-alphanumerics as `_` (see synthesis/scenario-id.ts). */
export type ScenarioId = Brand<string, 'ScenarioId'>;
/** A task's id within its scenario, e.g. `task_03`. */
export type TaskId = Brand<string, 'TaskId'>;
/** How users and awm.lock name a stage instance: `scenarios`, `online_bookstore:tasks`, `shop:verify[task_03]`. */
export type InstanceKey = Brand<string, 'InstanceKey'>;

export const asFileHash = (value: string): FileHash => value as FileHash;
export const asFingerprintHash = (value: string): FingerprintHash => value as FingerprintHash;
export const asRequestHash = (value: string): RequestHash => value as RequestHash;
export const asCodeHash = (value: string): CodeHash => value as CodeHash;
export const asStageId = (value: string): StageId => value as StageId;
export const asScenarioId = (value: string): ScenarioId => value as ScenarioId;
export const asTaskId = (value: string): TaskId => value as TaskId;
export const asInstanceKey = (value: string): InstanceKey => value as InstanceKey;
