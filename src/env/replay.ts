// Replays a solution's tool calls through the env host, one session, in order. An argument may
// refer to what an earlier call returned, `{ "$result": N, "path": "payee.id" }`, so a solution need
// not guess the id of a row it creates (new ids differ once other rows exist; the self-test shifts
// them on purpose).
import type { CallOutcome, JsonObject } from './call-outcome.js';
import type { EnvSessions, SessionId } from './sessions.js';
import { isRecord } from '../util/is-record.js';

export interface ReplayCall {
  readonly tool: string;
  readonly arguments: Record<string, unknown>;
}

export interface ReplayStep {
  readonly tool: string;
  readonly arguments: unknown;
  readonly outcome: CallOutcome;
}

export interface Replay {
  readonly steps: readonly ReplayStep[];
  /** The first call that failed (a reference it could not resolve counts), or null. */
  readonly failed: { readonly index: number; readonly message: string } | null;
}

/** Runs every call; with `stopAtFailure` the replay ends at the first failed call. */
export async function replayCalls(
  sessions: EnvSessions,
  session: SessionId,
  calls: readonly ReplayCall[],
  stopAtFailure = true,
): Promise<Replay> {
  const steps: ReplayStep[] = [];
  let failed: Replay['failed'] = null;
  for (const [index, call] of calls.entries()) {
    const resolved = resolveReferences(call.arguments, steps);
    if (!resolved.ok) {
      failed ??= { index, message: `call ${index + 1} (${call.tool}): ${resolved.problem}` };
      if (stopAtFailure) break;
      continue;
    }
    const outcome = await sessions.callTool(session, call.tool, resolved.value);
    steps.push({ tool: call.tool, arguments: resolved.value, outcome });
    if (!outcome.ok) {
      failed ??= {
        index,
        message: `call ${index + 1} ${call.tool} ${JSON.stringify(resolved.value)} failed with ${outcome.error.code}: ${outcome.error.message}`,
      };
      if (stopAtFailure) break;
    }
  }
  return { steps, failed };
}

type Resolved = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problem: string };

/** `value` with every `{ $result, path }` replaced by what it points at in `steps`. */
export function resolveReferences(value: unknown, steps: readonly ReplayStep[]): Resolved {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const resolved = resolveReferences(item, steps);
      if (!resolved.ok) return resolved;
      items.push(resolved.value);
    }
    return { ok: true, value: items };
  }
  if (!isRecord(value)) return { ok: true, value };
  if ('$result' in value) return pointAt(value, steps);
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(value)) {
    const resolved = resolveReferences(item, steps);
    if (!resolved.ok) return resolved;
    entries.push([key, resolved.value]);
  }
  return { ok: true, value: Object.fromEntries(entries) };
}

function pointAt(reference: Record<string, unknown>, steps: readonly ReplayStep[]): Resolved {
  const index = reference['$result'];
  const path = typeof reference['path'] === 'string' ? reference['path'] : '';
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= steps.length)
    return { ok: false, problem: `{"$result": ${JSON.stringify(index)}} names no earlier call (0-based)` };
  const outcome = steps[index]!.outcome;
  if (!outcome.ok) return { ok: false, problem: `{"$result": ${index}} points at a call that failed` };
  let at: unknown = outcome.result as JsonObject;
  for (const part of path.split('.').filter(Boolean)) {
    at = Array.isArray(at) ? at[Number(part)] : isRecord(at) ? at[part] : undefined;
    if (at === undefined)
      return {
        ok: false,
        problem: `{"$result": ${index}, "path": "${path}"} finds nothing: call ${index + 1} returned ${JSON.stringify(outcome.result).slice(0, 300)}`,
      };
  }
  return { ok: true, value: at };
}
