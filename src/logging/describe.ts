// Words for events, shared by every logger. Each switch over an outcome ends in unreachable(), so
// a new outcome kind fails to compile until it has words here.
import type { BuildSummary, StageTokens } from '../engine/build-event.js';
import type { Outcome } from '../engine/events.js';
import { unreachable } from '../util/result.js';

/** One line (or a few) for a finished instance; null where nothing is worth printing. */
export function describeOutcome(instance: string, outcome: Outcome): string | null {
  switch (outcome.kind) {
    case 'fresh':
    case 'cancelled':
      return null;
    case 'built': {
      const llm = outcome.llmRequests > 0 ? `, ${outcome.llmRequests} LLM request${outcome.llmRequests > 1 ? 's' : ''}${outcome.cachedRequests > 0 ? ` (${outcome.cachedRequests} from cache)` : ''}` : '';
      const warnings = outcome.warnings.map((warning) => `\n    warning: ${warning}`).join('');
      return `✓ built ${instance} (${seconds(outcome.durationMs)}${llm})${warnings}`;
    }
    case 'would-build':
      return `• would build ${instance}: ${outcome.reasons.join('; ')}`;
    case 'failed-llm':
    case 'failed-validation':
    case 'failed-check':
      return `✗ ${outcome.kind.replace('-', ' ')} ${instance}: ${outcome.message}\n    attempts logged in ${outcome.log}`;
    case 'failed-error':
      return `✗ failed ${instance}: ${outcome.message}${outcome.log ? `\n    log: ${outcome.log}` : ''}`;
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
  const failed = counts['failed-llm'] + counts['failed-validation'] + counts['failed-check'] + counts['failed-error'] + counts['internal-error'];
  const parts = [`built ${counts.built}`, `fresh ${counts.fresh}`, `failed ${failed}`, `skipped ${counts.skipped}`];
  if (counts['would-build'] > 0) parts.splice(0, 1, `would build ${counts['would-build']}`);
  if (counts.cancelled > 0) parts.push(`not started ${counts.cancelled} (interrupted)`);
  const lines = [`awm: ${parts.join(', ')} in ${seconds(summary.wallMs)}`];
  const tokens = describeTokens(summary.tokensByStage);
  if (tokens) lines.push(`awm: LLM tokens ${tokens}${summary.tokensEstimated ? ' — estimated (recorded answers, no LLM called)' : ''}`);
  if (summary.frozenViolations.length > 0) {
    lines.push(`awm: --frozen: awm.lock would change for ${summary.frozenViolations.length} instance${summary.frozenViolations.length > 1 ? 's' : ''} (the lock was not written):`);
    for (const violation of summary.frozenViolations) lines.push(`  ${violation}`);
  }
  return lines;
}

function describeTokens(byStage: Readonly<Record<string, StageTokens>>): string | null {
  const entries = Object.entries(byStage).filter(([, tokens]) => tokens.requests > 0);
  if (entries.length === 0) return null;
  let total = 0;
  const perStage = entries.map(([stage, tokens]) => {
    const sum = tokens.promptTokens + tokens.completionTokens;
    total += sum;
    const cached = tokens.cachedRequests > 0 ? `, ${tokens.cachedRequests}/${tokens.requests} requests from cache` : '';
    return `${stage} ${sum.toLocaleString('en-US')}${cached}`;
  });
  return `${total.toLocaleString('en-US')} (${perStage.join('; ')})`;
}

export function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}
