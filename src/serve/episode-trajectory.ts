// An episode as trajectory.json (format 1, the shape `awm agent` writes), so verification reads it as
// it reads an agent's run, and a kept episode is a run folder `awm verify` takes. The server sees
// tool calls, not the model's turns: each call is one step with no assistant text, and the final
// answer is the one given to verify (or null).
import { errorPayload } from '../env/call-outcome.js';
import type { Episode } from './episode.js';

export interface EpisodeEnd {
  readonly endedAt: Date;
  readonly finalAnswer: string | null;
  readonly mcpUrl: string;
  readonly stopReason: 'final_answer' | 'closed';
}

export function episodeTrajectory(episode: Episode, end: EpisodeEnd): Record<string, unknown> {
  const steps = episode.calls.map((call, index) => {
    const id = `call_${index + 1}`;
    const outcome = call.outcome.ok
      ? { ok: true, result: call.outcome.result }
      : { ok: false, error: errorPayload(call.outcome.error).error };
    return {
      iteration: index + 1,
      assistant: { content: '', tool_calls: [{ id, name: call.tool, arguments: call.arguments }], finish_reason: null },
      tool_results: [{ id, name: call.tool, arguments: call.arguments, ...outcome, ms: call.ms }],
    };
  });
  return {
    format: 1,
    scenario: episode.scenario,
    task_id: episode.task?.id ?? null,
    task: episode.task?.text ?? '',
    model: null,
    protocol: 'tools',
    policy: 'llm',
    api_url: null,
    mcp_url: end.mcpUrl,
    max_iterations: steps.length,
    temperature: null,
    max_tokens: null,
    started_at: episode.createdAt.toISOString(),
    ended_at: end.endedAt.toISOString(),
    stop_reason: end.stopReason,
    final_answer: end.finalAnswer,
    error: null,
    databases: { initial: 'initial.db', final: 'final.db', note: null },
    steps,
    messages: [],
    usage: { prompt_tokens: 0, completion_tokens: 0 },
    episode_id: episode.id,
  };
}
