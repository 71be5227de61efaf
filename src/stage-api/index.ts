// The stage API: everything a stage module (stages/*.ts) may import from awm's engine side. Stages
// also use synthesis/ (the domain rules they share) and sqlite/; nothing else.
export { defineStage } from './stage.js';
export type {
  PromptTemplate,
  RenderContext,
  RunContext,
  StageDefinition,
  StageFailureKind,
  StageInputs,
  StageOutputs,
  StageRunResult,
} from './stage.js';
export { llmStage, maxAttemptsParam } from './llm-stage.js';
export type { LlmStageParams, LlmStageSpec } from './llm-stage.js';
export { stageFailure } from './stage-failure.js';
export { renderPrompt } from './render-prompt.js';
export type { CheckOutcome, LlmSession, StructuredResult } from '../llm/types.js';
export { err, ok } from '../util/result.js';
export type { Result } from '../util/result.js';
