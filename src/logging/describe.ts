// Words for everything the engine reports as data: reasons, outcomes, notices, status notes and the
// build summary. The only place these sentences are written; every switch ends in unreachable(),
// so a new kind fails to compile until it has words here.
import type {
  BuildSummary,
  FrozenViolation,
  InputSource,
  Notice,
  Outcome,
  Reason,
  SettingChange,
} from '../engine/events.js';
import type { StatusNote } from '../engine/status.js';
import { HOW_TO_CONFIGURE } from '../llm/environment.js';
import type { LlmErrorKind, LlmNotice, StageUsage } from '../llm/types.js';
import { describeSandboxNotice } from '../sandbox/sandbox-notice.js';
import { unreachable } from '../util/result.js';
import { instanceKey } from '../engine/instance.js';
import { describeChecks } from './checks-format.js';

export function describeReason(reason: Reason): string {
  switch (reason.code) {
    case 'never-built':
      return 'never built (no entry in awm.lock)';
    case 'fingerprint-format-changed':
      return 'its fingerprint changed (fingerprint format or stage name)';
    case 'output-missing':
      return `output "${reason.output}" (${reason.path}) does not exist`;
    case 'output-modified':
      return `output "${reason.output}" (${reason.path}) differs from awm.lock (edited by hand?); a build regenerates it`;
    case 'output-unreadable':
      return `output "${reason.output}" (${reason.path}) cannot be read as a database (${reason.problem}); a build regenerates it`;
    case 'code-changed':
      return `code of stage "${reason.stage}" changed (${reason.file})`;
    case 'prompt-new':
      return `prompt "${reason.prompt}" is new (${reason.file})`;
    case 'prompt-unused':
      return `prompt "${reason.prompt}" is no longer used`;
    case 'prompt-changed':
      return `prompt "${reason.prompt}" renders a different request (${reason.file})`;
    case 'model-changed':
      return `model settings changed: ${describeChanges(reason.changes)}`;
    case 'params-changed':
      return `params changed: ${describeChanges(reason.changes)}`;
    case 'world-clock-changed':
      return `world clock changed: ${reason.before ?? 'unset'} → ${reason.after ?? 'unset'}`;
    case 'input-new':
      return `input "${reason.input}" is new (${describeSource(reason.input, reason.source)})`;
    case 'input-removed':
      return `input "${reason.input}" was removed`;
    case 'input-changed':
      return `input "${reason.input}" changed (${describeSource(reason.input, reason.source)})`;
    case 'input-file-appeared':
      return `input "${reason.input}" appeared (file ${reason.path})`;
    case 'input-file-disappeared':
      return `input "${reason.input}" disappeared (file ${reason.path})`;
    case 'forced':
      return 'forced (--force)';
    case 'waits-for':
      return `waits for ${reason.instance} (${reason.state})`;
    case 'runs-after':
      return `runs after ${reason.instances.join(', ')}`;
    case 'may-rebuild':
      return `may rebuild if ${reason.instances.join(', ')} change${reason.instances.length > 1 ? '' : 's'} its outputs`;
    case 'input-file-missing':
      return `input "${reason.input}": file ${reason.path} does not exist`;
    case 'input-not-built':
      return `input "${reason.input}" (${reason.label}): ${reason.path} is not built yet`;
    case 'input-row-missing':
      return `input "${reason.input}" (${reason.label}): ${reason.path} has no row "${reason.row}"`;
    case 'render-failed':
      return `rendering the prompts of stage "${reason.stage}" failed: ${reason.error}`;
    default:
      return unreachable(reason, 'reason');
  }
}

function describeSource(input: string, source: InputSource | null): string {
  if (source === null) return input;
  if (source.kind === 'file') return `file ${source.path}`;
  return `${source.label}: ${source.path}${source.row ? ` row "${source.row}"` : ''}`;
}

function describeChanges(changes: readonly SettingChange[]): string {
  return changes
    .map((change) => {
      if (!('before' in change)) return `${change.key} = ${JSON.stringify(change.after)} (new)`;
      if (!('after' in change)) return `${change.key} (removed, was ${JSON.stringify(change.before)})`;
      return `${change.key} ${JSON.stringify(change.before)} → ${JSON.stringify(change.after)}`;
    })
    .join(', ');
}

export function describeNotice(notice: Notice): string {
  switch (notice.code) {
    case 'build-lock-taken-over':
      return `took over the build lock of pid ${notice.pid}, which is no longer running`;
    case 'target-matches-no-scenario':
      return `target "${notice.target}" matches no scenario (scenarios: ${notice.scenarios.join(', ') || 'none'})`;
    case 'cannot-fan-out':
      return `cannot fan out: ${notice.problem}`;
    case 'offline-provider':
      return (
        `offline demo provider: no LLM is configured, so answers come from the recorded example responses in ${notice.folder} ` +
        `(the bundled demo scenarios only). To use a real LLM, ${HOW_TO_CONFIGURE}.`
      );
    case 'offline-embeddings':
      return (
        `embeddings: no embedding endpoint is configured, so similarity uses offline character n-gram vectors (${notice.model}); ` +
        'set EMBEDDING_OPENAI_API_KEY (and EMBEDDING_OPENAI_BASE_URL for another server) for real embeddings.'
      );
    case 'local-state-dropped':
      return `local state ${notice.path} could not be used (${notice.problem}); it is only a cache, so it was dropped and is rebuilt`;
    case 'sandbox-without-namespaces':
      return describeSandboxNotice(notice.notice);
    case 'cache-not-writable':
      return `LLM answers are not being cached: ${notice.problem}`;
    case 'llm-waiting':
      return describeWaiting(notice);
    case 'context-overflow':
      return describeContextOverflow(notice);
    default:
      return unreachable(notice, 'notice');
  }
}

/** What made a try fail, in the heartbeat's words. */
const FAILURE_WORDS = {
  auth: 'refused credentials',
  refusal: 'a refusal',
  'rate-limit': 'rate limit, 429',
  timeout: 'no answer in time',
  server: 'server error',
  'bad-request': 'bad request',
  'no-recorded-answer': 'no recorded answer',
  'too-large': 'answer too large',
  'request-limit': 'request limit',
  network: 'network error',
  config: 'configuration',
  cancelled: 'cancelled',
} as const satisfies Record<LlmErrorKind, string>;

function describeWaiting(notice: Extract<LlmNotice, { code: 'llm-waiting' }>): string {
  const where = [
    `stage "${notice.stage}"`,
    ...(notice.scenario === null ? [] : [`scenario ${notice.scenario}`]),
    ...(notice.item === null ? [] : [`item ${notice.item}`]),
    ...(notice.request === 'chat' ? [`attempt ${notice.attempt}`] : []),
  ].join(', ');
  const request = notice.request === 'chat' ? 'LLM request' : 'embedding request';
  const head = `${request} (${where}) still waiting after ${seconds(notice.waitedMs)}`;
  const ofTries = `try ${notice.transportTry} of ${notice.transportTries}`;
  const waiting = notice.waitingFor;
  if (waiting.kind === 'answer')
    return `${head}: no answer yet on ${ofTries} (${seconds(waiting.tryMs)} of its ${seconds(waiting.timeoutMs)} timeout)`;
  return `${head}: ${ofTries} failed (${FAILURE_WORDS[waiting.after]}); the next try in ${seconds(waiting.leftMs)}`;
}

function describeContextOverflow(notice: Extract<LlmNotice, { code: 'context-overflow' }>): string {
  const where = [
    `stage "${notice.stage}"`,
    ...(notice.scenario === null ? [] : [`scenario ${notice.scenario}`]),
    ...(notice.item === null ? [] : [`item ${notice.item}`]),
  ].join(', ');
  const window =
    notice.contextFrom === 'setting'
      ? `the context window of ${count(notice.contextTokens)} tokens set by llm.context_tokens`
      : `the ${count(notice.contextTokens)}-token context window of ${notice.model}`;
  return (
    `warning: LLM request (${where}): its prompt of ${count(notice.promptTokens)} tokens plus max_tokens ` +
    `${count(notice.maxTokens)} exceed ${window}; it is sent anyway, but the model may refuse it or cut the answer ` +
    `short. Lower stages.${notice.stage}.llm.max_tokens, shorten the prompt, or set llm.context_tokens ` +
    '(for every stage or in the stage) if the window is larger.'
  );
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function describeStatusNote(note: StatusNote): string {
  return note.list === 'scenarios'
    ? `per-scenario stages cannot be listed yet: ${note.problem}`
    : `per-task stages of ${note.scenario ?? '?'} cannot be listed yet: ${note.problem}`;
}

/** One line (or a few) for a finished instance; null where nothing is worth printing. */
export function describeOutcome(instance: string, outcome: Outcome): string | null {
  switch (outcome.kind) {
    case 'fresh':
    case 'cancelled':
      return null;
    case 'built': {
      const llm =
        outcome.llmRequests > 0
          ? `, ${outcome.llmRequests} LLM request${outcome.llmRequests > 1 ? 's' : ''}${outcome.cachedRequests > 0 ? ` (${outcome.cachedRequests} from cache)` : ''}`
          : '';
      const warnings = outcome.warnings.map((warning) => `\n    warning: ${warning}`).join('');
      const summary = outcome.summary === null ? '' : `: ${outcome.summary}`;
      return `✓ built ${instance} (${seconds(outcome.durationMs)}${llm})${summary}${warnings}`;
    }
    case 'would-build':
      return `• would build ${instance}: ${outcome.reasons.map(describeReason).join('; ')}`;
    case 'failed-llm':
    case 'failed-validation':
    case 'failed-check':
      return `✗ ${outcome.kind.replace('-', ' ')} ${instance}: ${outcome.message}${outcome.log ? `\n    attempts logged in ${outcome.log}` : ''}`;
    case 'failed-error':
      return `✗ failed ${instance}: ${outcome.message}${outcome.log ? `\n    log: ${outcome.log}` : ''}`;
    case 'failed-inputs':
      return `✗ failed ${instance}: ${outcome.problems.map(describeReason).join('; ')}`;
    case 'internal-error':
      return `✗ ${instance}: ${outcome.message}`;
    case 'skipped':
      return `- skipped ${instance} (needs ${outcome.because}, which failed)`;
    default:
      return unreachable(outcome, 'outcome');
  }
}

export function describeSummary(summary: BuildSummary): string[] {
  const { counts } = summary;
  const parts = [
    `built ${counts.built}`,
    `fresh ${counts.fresh}`,
    `failed ${summary.failed}`,
    `skipped ${counts.skipped}`,
  ];
  if (counts['would-build'] > 0) parts.splice(0, 1, `would build ${counts['would-build']}`);
  // Stopped by Ctrl-C: never started, or stopped before their next LLM request (see stage-runner.ts).
  if (counts.cancelled > 0) parts.push(`interrupted ${counts.cancelled}`);
  const lines = [`awm: ${parts.join(', ')} in ${seconds(summary.wallMs)}`];
  const tokens = describeTokens(summary.usageByStage);
  if (tokens)
    lines.push(
      `awm: LLM tokens ${tokens}${summary.tokensEstimated ? ' — counted (o200k) in the recorded answers; no LLM was called' : ''}`,
    );
  lines.push(
    ...describeChecks(
      summary.checks.instances.map((ref) => ({
        instance: instanceKey(ref),
        stage: ref.stage,
        scenario: ref.scenario,
        task: ref.task,
        state: 'fresh' as const,
        reasons: [],
      })),
      summary.checks.summaries,
      false,
    ).map((line) => `awm: ${line}`),
  );
  const violations = summary.frozenViolations;
  if (violations.length > 0) {
    lines.push(
      `awm: --frozen: awm.lock would change for ${violations.length} instance${violations.length > 1 ? 's' : ''} (the lock was not written):`,
    );
    for (const violation of violations) lines.push(`  ${describeFrozenViolation(violation)}`);
  }
  return lines;
}

function describeFrozenViolation(violation: FrozenViolation): string {
  switch (violation.change) {
    case 'added':
      return `${violation.instance}: not in awm.lock`;
    case 'removed':
      return `${violation.instance}: would be removed from awm.lock`;
    case 'fingerprint':
      return `${violation.instance}: fingerprint differs from awm.lock`;
    case 'outputs':
      return `${violation.instance}: output${violation.outputs.length > 1 ? 's' : ''} ${violation.outputs.join(', ')} differ from awm.lock`;
    default:
      return unreachable(violation, 'frozen violation');
  }
}

/** Tokens per stage, counting answers from the cache at what they cost when first received. */
function describeTokens(byStage: ReadonlyMap<string, StageUsage>): string | null {
  const perStage: string[] = [];
  let total = 0;
  for (const [stage, usage] of byStage) {
    const requests = usage.requests + usage.cachedRequests;
    if (requests === 0) continue;
    const sum = usage.promptTokens + usage.cachedPromptTokens + usage.completionTokens + usage.cachedCompletionTokens;
    total += sum;
    const cached = usage.cachedRequests > 0 ? `, ${usage.cachedRequests}/${requests} requests from cache` : '';
    perStage.push(`${stage} ${sum.toLocaleString('en-US')}${cached}`);
  }
  return perStage.length === 0 ? null : `${total.toLocaleString('en-US')} (${perStage.join('; ')})`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
