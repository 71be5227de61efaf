// What the episode server needs of a built scenario, found by the CLI (src/commands/serve.ts) through
// the pipeline: the env's files and limits as its check used them, the task list, and where each
// task's verifier is. The server reads nothing of the project by itself.
import type { ToolSpec } from '../synthesis/tool-spec.js';

export interface ServableTask {
  readonly id: string;
  readonly text: string;
}

export interface ServableScenario {
  readonly scenario: string;
  readonly tools: readonly ToolSpec[];
  readonly seedDb: string;
  readonly specPath: string;
  readonly toolsModule: string;
  /** The world clock the module was built and checked with. */
  readonly worldClock: string;
  readonly callTimeoutMs: number;
  readonly memoryMb: number;
  readonly tasks: readonly ServableTask[];
  /** The verifier file of a task (it may not exist: verify then says so). */
  verifierPath(taskId: string): string;
}
