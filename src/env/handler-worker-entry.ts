// The program of the process that runs tool handlers: `init` loads the spec's output schemas and
// the tool module once, `handle` runs one request. The sandbox's long-lived worker takes this file
// as its entry (`startSandboxedWorker({ entry, init, scratchDir, … })`); InProcessRunner runs the
// very same functions in this process. Requests and responses are JSON.
import { readFileSync } from 'node:fs';
import type { ToolSpecFile } from '../synthesis/tool-spec.js';
import { callFailed, type CallOutcome, type JsonObject } from './call-outcome.js';
import { DatabaseHandles } from './database-handles.js';
import { executeCall } from './execute-call.js';
import { SpecValidators } from './spec-validators.js';
import { worldClockOf, type WorldClock } from './tool-context.js';
import { loadToolModule, type ToolHandlers } from './tool-module.js';

export interface HandlerWorkerInit {
  /** The LLM-written tool module (an ES module file). */
  readonly modulePath: string;
  /** The scenario's spec.json. */
  readonly specPath: string;
  /** The pipeline's world clock, an ISO 8601 instant. */
  readonly worldClock: string;
  /** Session files kept open at once, the least recently used closed beyond it; default 128. */
  readonly maxOpenDatabases?: number;
}

export type HandlerWorkerRequest =
  | { readonly op: 'call'; readonly dbPath: string; readonly tool: string; readonly args: JsonObject }
  /** Nothing to do: sent to have the process started (and its init run) before the first call. */
  | { readonly op: 'warm' }
  /** Close the connection to a session file before the host replaces or removes it. */
  | { readonly op: 'release'; readonly dbPath: string };

export type HandlerWorkerResponse = CallOutcome | { readonly released: string } | { readonly warm: true };

export interface HandlerWorkerState {
  readonly tools: ToolHandlers;
  readonly outputValidators: SpecValidators;
  readonly clock: WorldClock;
  readonly handles: DatabaseHandles;
}

/** The tool module does not fit the spec; `problems` says how, one line each. */
export class ToolModuleError extends Error {
  override readonly name = 'ToolModuleError';

  constructor(
    modulePath: string,
    readonly problems: readonly string[],
  ) {
    super(`the tool module ${modulePath} does not fit the spec:\n${problems.map((line) => `- ${line}`).join('\n')}`);
  }
}

async function init(
  options: HandlerWorkerInit,
  _context: { readonly scratchDir: string },
): Promise<HandlerWorkerState> {
  const spec = JSON.parse(readFileSync(options.specPath, 'utf8')) as ToolSpecFile;
  const clock = worldClockOf(options.worldClock);
  const outputValidators = new SpecValidators(spec.tools, 'output_schema');
  const loaded = await loadToolModule(
    options.modulePath,
    spec.tools.map((tool) => tool.name),
  );
  if (!loaded.ok) throw new ToolModuleError(options.modulePath, loaded.error);
  return { tools: loaded.value, outputValidators, clock, handles: new DatabaseHandles(options.maxOpenDatabases) };
}

function handle(request: HandlerWorkerRequest, state: HandlerWorkerState): HandlerWorkerResponse {
  if (request.op === 'warm') return { warm: true };
  if (request.op === 'release') {
    state.handles.release(request.dbPath);
    return { released: request.dbPath };
  }
  let validateOutput;
  try {
    validateOutput = state.outputValidators.get(request.tool);
  } catch (error) {
    return callFailed('internal_error', (error as Error).message);
  }
  if (validateOutput === undefined) return callFailed('unknown_tool', `no tool is named "${request.tool}"`);
  let db;
  try {
    db = state.handles.get(request.dbPath);
  } catch (error) {
    return callFailed(
      'unavailable',
      `the session database could not be opened: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return executeCall({
    db,
    tools: state.tools,
    tool: request.tool,
    args: request.args,
    clock: state.clock,
    validateOutput,
  });
}

export default { init, handle };
