// `--policy reference`: no model at all. The reference solution's calls are made one per turn, in
// order, written as a model speaking the chosen protocol would write them (so the same loop,
// parsing and trajectory serve both policies); then the final answer: the expected answer of a
// question, or a short confirmation of a change. A call that fails is recorded and the replay
// goes on. An argument `{ "$result": N, "path": … }` (a verifier's solution names a row an earlier
// call created this way) is read from call N's result, as the conversation so far carries it.
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { resolveReferences, type ReplayStep } from '../env/replay.js';
import { err, ok } from '../util/result.js';
import type { AgentModel } from './agent-model.js';
import type { AgentProtocol } from './agent-protocol.js';
import type { ReferenceSolution } from './reference-solution.js';

export function referencePolicy(solution: ReferenceSolution, protocol: AgentProtocol): AgentModel {
  let turn = 0;
  return {
    description: { model: null, apiUrl: null, temperature: null, maxTokens: null },
    async next(request, signal) {
      if (signal.aborted) return err({ kind: 'cancelled', message: 'the run was interrupted' });
      const index = turn;
      turn += 1;
      const call = solution.calls[index];
      if (call !== undefined) {
        const resolved = resolveReferences(call.arguments, resultsSoFar(request.messages));
        // Unresolvable (an earlier call failed): the reference is sent as written, and the tool says no.
        const args = resolved.ok ? (resolved.value as Record<string, unknown>) : call.arguments;
        return ok(protocol.scriptedTurn({ kind: 'call', tool: call.tool, args }, index));
      }
      const text = solution.answer ?? `Done: the reference solution's ${solution.calls.length} call(s) were made.`;
      return ok(protocol.scriptedTurn({ kind: 'answer', text }, index));
    },
  };
}

const RESPONSE_PREFIX = 'Tool response:\n';

/** The tool results in the conversation, in order (native `tool` messages or awm-xml `Tool response:` ones). */
function resultsSoFar(messages: readonly ChatCompletionMessageParam[]): ReplayStep[] {
  const steps: ReplayStep[] = [];
  for (const message of messages) {
    const text = typeof message.content === 'string' ? message.content : null;
    if (text === null) continue;
    const body =
      message.role === 'tool'
        ? text
        : message.role === 'user' && text.startsWith(RESPONSE_PREFIX)
          ? text.slice(RESPONSE_PREFIX.length)
          : null;
    if (body === null) continue;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      value = null;
    }
    const failed = body.startsWith('Error: ') || (typeof value === 'object' && value !== null && 'error' in value);
    steps.push({
      tool: '',
      arguments: null,
      outcome:
        failed || typeof value !== 'object' || value === null
          ? { ok: false, error: { code: 'internal_error', message: body } }
          : { ok: true, result: value as Record<string, unknown> },
    });
  }
  return steps;
}
