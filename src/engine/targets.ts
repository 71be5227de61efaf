// Build targets: `SCENARIO` (every stage of it), `SCENARIO:STAGE` (that stage and what it needs),
// `:STAGE` (that stage for all scenarios). Both parts take globs (`*`, `?`).
import type { StageId } from '../util/brand.js';
import type { Fanout } from '../config/types.js';
import type { Result } from '../util/result.js';
import { err, ok } from '../util/result.js';

export interface Target {
  readonly text: string;
  readonly scenario: RegExp;
  /** `*`: the target covers every scenario (and so the global stages it names). */
  readonly everyScenario: boolean;
  readonly stage: RegExp;
}

export interface TargetSelection {
  /** Whether the instance must be built (it is targeted or something targeted needs it). */
  wanted(stage: StageId, fanout: Fanout, scenario: string | null): boolean;
  /** Whether the instance itself is targeted (what --force rebuilds). */
  targeted(stage: StageId, fanout: Fanout, scenario: string | null): boolean;
  /** Targets whose scenario part matched none of these scenarios. */
  unmatchedScenarios(scenarios: readonly string[]): string[];
  readonly all: boolean;
}

export function parseTargets(
  texts: readonly string[],
  stages: readonly StageId[],
  upstreamOf: (stage: StageId) => ReadonlySet<StageId>,
): Result<TargetSelection, string[]> {
  const problems: string[] = [];
  const targets: Target[] = [];
  for (const text of texts) {
    const colon = text.indexOf(':');
    const scenarioPart = colon === -1 ? text : text.slice(0, colon) || '*';
    const stagePart = colon === -1 ? '*' : text.slice(colon + 1) || '*';
    const target = {
      text,
      scenario: globToRegExp(scenarioPart),
      everyScenario: scenarioPart === '*',
      stage: globToRegExp(stagePart),
    };
    if (!stages.some((stage) => target.stage.test(stage))) {
      problems.push(`target "${text}": no stage matches "${stagePart}" (stages: ${stages.join(', ')})`);
    } else if (colon === -1 && stages.includes(text as StageId)) {
      problems.push(
        `target "${text}" names a scenario, but "${text}" is a stage; write ":${text}" for that stage in every scenario`,
      );
    } else {
      targets.push(target);
    }
  }
  if (problems.length > 0) return err(problems);
  if (targets.length === 0) return ok(everything());
  const neededByTarget = (stage: StageId, target: Target): boolean =>
    stages.some(
      (candidate) => target.stage.test(candidate) && (candidate === stage || upstreamOf(candidate).has(stage)),
    );
  return ok({
    all: false,
    wanted(stage, fanout, scenario) {
      return targets.some(
        (target) => neededByTarget(stage, target) && (fanout === 'global' || target.scenario.test(scenario ?? '')),
      );
    },
    targeted(stage, fanout, scenario) {
      // Forcing one scenario never forces the global stages it merely depends on.
      return targets.some(
        (target) =>
          target.stage.test(stage) &&
          (fanout === 'global' ? target.everyScenario : target.scenario.test(scenario ?? '')),
      );
    },
    unmatchedScenarios(scenarios) {
      return targets
        .filter((target) => !scenarios.some((scenario) => target.scenario.test(scenario)))
        .map((target) => target.text);
    },
  });
}

function everything(): TargetSelection {
  return { all: true, wanted: () => true, targeted: () => true, unmatchedScenarios: () => [] };
}

export function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replaceAll('*', '.*')
    .replaceAll('?', '.');
  return new RegExp(`^${source}$`);
}
