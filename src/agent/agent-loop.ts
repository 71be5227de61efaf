// One episode: the model takes turns until it answers without a call, the iteration cap is
// reached, its endpoint fails, or the run is interrupted. Each turn's calls run over the env in
// order (the protocol decides which, and answers what it can itself: malformed calls, unknown
// tools, `list_tools`), and their results go back to the model. Nothing a call does ends the
// episode: errors are results the model reads.
//
//   turn ──calls──▶ run them ──results──▶ turn …
//     │ no call: final_answer     │ signal: interrupted (after the calls in progress)
//     │ endpoint failed: llm_error, cancelled: interrupted
//     └ iteration cap: max_iterations
import { performance } from 'node:perf_hooks';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import type { AgentModel } from './agent-model.js';
import type { AgentProtocol, PlannedCall } from './agent-protocol.js';
import type { AgentToolClient } from './agent-tools.js';
import type { StopReason, TokenTotals, ToolOutcome, ToolResultRecord, TrajectoryStep } from './trajectory.js';

export interface EpisodeInput {
  readonly task: string;
  readonly model: AgentModel;
  readonly protocol: AgentProtocol;
  readonly tools: AgentToolClient;
  readonly maxIterations: number;
  /** Ctrl-C: the episode stops after the step in progress. */
  readonly signal: AbortSignal;
  /** Told after each step (for progress lines). */
  readonly onStep?: (step: TrajectoryStep) => void;
}

export interface Episode {
  readonly stopReason: StopReason;
  readonly finalAnswer: string | null;
  /** The endpoint's failure, for `llm_error`. */
  readonly error: string | null;
  readonly steps: readonly TrajectoryStep[];
  readonly messages: readonly ChatCompletionMessageParam[];
  readonly usage: TokenTotals;
}

export async function runEpisode(input: EpisodeInput): Promise<Episode> {
  const { model, protocol, signal } = input;
  const messages: ChatCompletionMessageParam[] = protocol.opening(input.task);
  const steps: TrajectoryStep[] = [];
  const usage = { prompt_tokens: 0, completion_tokens: 0 };
  const end = (stopReason: StopReason, finalAnswer: string | null = null, error: string | null = null): Episode => ({
    stopReason,
    finalAnswer,
    error,
    steps,
    messages,
    usage,
  });
  for (let iteration = 1; iteration <= input.maxIterations; iteration += 1) {
    if (signal.aborted) return end('interrupted');
    const request = protocol.requestTools === undefined ? { messages } : { messages, tools: protocol.requestTools };
    const turn = await model.next(request, signal);
    if (!turn.ok)
      return turn.error.kind === 'cancelled' ? end('interrupted') : end('llm_error', null, turn.error.message);
    usage.prompt_tokens += turn.value.usage.promptTokens;
    usage.completion_tokens += turn.value.usage.completionTokens;
    const reading = protocol.read(turn.value);
    messages.push(reading.message);
    const results: ToolResultRecord[] = [];
    for (const call of reading.calls) results.push(await run(call, input.tools));
    messages.push(...protocol.resultMessages(results));
    const step: TrajectoryStep = {
      iteration,
      assistant: { content: turn.value.content, tool_calls: reading.written, finish_reason: turn.value.finishReason },
      tool_results: results,
    };
    steps.push(step);
    input.onStep?.(step);
    if (reading.calls.length === 0) return end('final_answer', reading.finalAnswer);
  }
  return end('max_iterations');
}

async function run(call: PlannedCall, tools: AgentToolClient): Promise<ToolResultRecord> {
  const started = performance.now();
  const outcome: ToolOutcome =
    call.action.kind === 'env' ? await tools.callTool(call.action.tool, call.action.args) : call.action.outcome;
  const ms = Math.round((performance.now() - started) * 100) / 100;
  return { id: call.id, name: call.name, arguments: call.arguments, ...outcome, ms };
}
