// `--policy reference`: no model at all. The reference solution's calls are made one per turn, in
// order, written as a model speaking the chosen protocol would write them (so the same loop,
// parsing and trajectory serve both policies); then the final answer: the expected answer of a
// question, or a short confirmation of a change. A call that fails is recorded and the replay
// goes on.
import { err, ok } from '../util/result.js';
import type { AgentModel } from './agent-model.js';
import type { AgentProtocol } from './agent-protocol.js';
import type { ReferenceSolution } from './reference-solution.js';

export function referencePolicy(solution: ReferenceSolution, protocol: AgentProtocol): AgentModel {
  let turn = 0;
  return {
    description: { model: null, apiUrl: null, temperature: null, maxTokens: null },
    async next(_request, signal) {
      if (signal.aborted) return err({ kind: 'cancelled', message: 'the run was interrupted' });
      const index = turn;
      turn += 1;
      const call = solution.calls[index];
      if (call !== undefined)
        return ok(protocol.scriptedTurn({ kind: 'call', tool: call.tool, args: call.arguments }, index));
      const text = solution.answer ?? `Done: the reference solution's ${solution.calls.length} call(s) were made.`;
      return ok(protocol.scriptedTurn({ kind: 'answer', text }, index));
    },
  };
}
