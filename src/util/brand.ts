// Branded strings: a hash cannot be passed where a stage name is expected, and so on.
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Lower-case hex SHA-256 (64 characters). */
export type Sha256 = Brand<string, 'Sha256'>;
/** A stage's name as written under `stages:` in awm.pipeline.yaml. */
export type StageId = Brand<string, 'StageId'>;
/** A normalized scenario name: lower-case, non-alphanumerics as `_` (see scenario-id.ts). */
export type ScenarioId = Brand<string, 'ScenarioId'>;
/** A task's id within its scenario, e.g. `task_03`. */
export type TaskId = Brand<string, 'TaskId'>;

export const asSha256 = (value: string): Sha256 => value as Sha256;
export const asStageId = (value: string): StageId => value as StageId;
export const asScenarioId = (value: string): ScenarioId => value as ScenarioId;
export const asTaskId = (value: string): TaskId => value as TaskId;
