// The self-instruct loop that grows the scenario list: ask for a batch, embed it, keep what the
// de-duplication pool accepts, until the target is reached or the request budget is spent. After
// `stallIterations` requests without a new scenario the pool's limits are relaxed; when
// RELAXATIONS_BEFORE_GIVING_UP relaxations in a row brought nothing either, the loop gives up
// rather than spend the rest of the budget on duplicates. The requests themselves come from the
// stage (its prompt, schema and check); this file only decides.
import { ok, type Result } from '../util/result.js';
import type { ScenarioRow } from './artifacts.js';
import type { ScenarioPool } from './scenario-pool.js';

export interface BatchRequest {
  /** The list so far: its length is the `N` of the request's item `generate-N`. */
  readonly rows: readonly ScenarioRow[];
  /** Requests since the list last grew; rotates examples and focus categories while stalled. */
  readonly tries: number;
  /** Candidates refused since the list last grew (and in the batch that made it grow). */
  readonly refused: readonly string[];
}

export interface GenerationPlan<F> {
  readonly target: number;
  readonly maxIterations: number;
  readonly stallIterations: number;
  readonly pool: ScenarioPool;
  requestBatch(request: BatchRequest): Promise<Result<ScenarioRow[], F>>;
  embed(rows: readonly ScenarioRow[], item: string): Promise<Result<number[][], F>>;
  log(line: string): void;
}

/**
 * Relaxations without a new scenario after which more relaxing is taken not to help: the duplicate
 * limit reaches its ceiling (0.95) after two, and a third that also brings nothing settles it.
 */
export const RELAXATIONS_BEFORE_GIVING_UP = 3;

export interface Generation<F> {
  readonly rows: ScenarioRow[];
  /**
   * Why generation stopped short of the target: a failed request, `iterations` when the budget ran
   * out, or `duplicates` when relaxing the limits stopped helping.
   */
  readonly stopped: F | 'iterations' | 'duplicates' | null;
  /** Since the list last grew: requests made, and the candidates they brought that were refused. */
  readonly fruitless: { readonly requests: number; readonly refused: number; readonly relaxations: number };
}

export async function growScenarioList<F>(
  plan: GenerationPlan<F>,
  previous: readonly ScenarioRow[],
): Promise<Generation<F>> {
  const rows = [...previous];
  let tries = 0;
  let refused: string[] = [];
  let relaxations = 0;
  const stop = (stopped: Generation<F>['stopped']): Generation<F> => ({
    rows,
    stopped,
    fruitless: { requests: tries, refused: refused.length, relaxations },
  });
  const existing = await plan.embed(rows, 'embed-existing');
  if (!existing.ok) return stop(existing.error);
  rows.forEach((row, index) => plan.pool.add(row, existing.value[index] ?? []));
  for (let iteration = 1; rows.length < plan.target; iteration += 1) {
    if (iteration > plan.maxIterations) return stop('iterations');
    if (tries > 0 && tries % plan.stallIterations === 0) {
      if (relaxations === RELAXATIONS_BEFORE_GIVING_UP) return stop('duplicates');
      relax(plan);
      relaxations += 1;
    }
    const batch = await plan.requestBatch({ rows, tries, refused });
    if (!batch.ok) return stop(batch.error);
    const before = rows.length;
    const kept = await keepDistinct(plan, batch.value, rows);
    if (!kept.ok) return stop(kept.error);
    const grew = rows.length > before;
    tries = grew ? 0 : tries + 1;
    relaxations = grew ? 0 : relaxations;
    refused = grew ? kept.value : [...refused, ...kept.value];
  }
  return stop(null);
}

function relax<F>(plan: GenerationPlan<F>): void {
  plan.pool.relax();
  const { reject, categoryCap } = plan.pool.thresholds;
  plan.log(
    `no new scenario for ${plan.stallIterations} requests: duplicate limit now ${reject.toFixed(2)}, category cap ${categoryCap}`,
  );
}

/** Adds the candidates the pool accepts to `rows` (up to the target); returns the names refused. */
async function keepDistinct<F>(
  plan: GenerationPlan<F>,
  candidates: readonly ScenarioRow[],
  rows: ScenarioRow[],
): Promise<Result<string[], F>> {
  const embedded = await plan.embed(candidates, `embed-${rows.length}`);
  if (!embedded.ok) return embedded;
  const refused: string[] = [];
  candidates.forEach((candidate, index) => {
    if (rows.length >= plan.target) return;
    const vector = embedded.value[index] ?? [];
    const decision = plan.pool.decide(candidate, vector);
    if (decision.keep) {
      rows.push(candidate);
      plan.pool.add(candidate, vector);
    } else {
      refused.push(candidate.name);
      plan.log(`refused "${candidate.name}": ${decision.reason}`);
    }
  });
  return ok(refused);
}
