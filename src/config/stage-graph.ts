// The stage graph: which stages each stage needs, in what order they can run, and cycles. Pure
// functions over the config, used by config validation, the planner and `awm dag`.
//
// Edges point from a stage to the stages it reads ("depends on"). Besides its inputs, a stage that
// fans out needs the list it fans out over:
//
//   scenarios ──(scenario list)──▶ every `foreach: scenario|task` stage
//   tasks     ──(task list)──────▶ every `foreach: task` stage
import type { StageId } from '../util/brand.js';
import type { Fanout, InputRef, ListSource } from './types.js';
import { err, ok, type Result } from '../util/result.js';

/** What graph analysis needs of a pipeline; a PipelineConfig is one. */
export interface StageGraphInput {
  /** In file order. */
  readonly stages: ReadonlyMap<
    StageId,
    { readonly fanout: Fanout; readonly inputs: Readonly<Record<string, InputRef>> }
  >;
  readonly scenarios: ListSource | null;
  readonly tasks: ListSource | null;
}

/**
 * The stages `stage` needs, without repeats: the scenario list's stage (for any fan-out), the task
 * list's stage (per task), then the stages of its inputs in input order. Unknown names are left out.
 */
export function stageDependencies(graph: StageGraphInput, stage: StageId): StageId[] {
  const config = graph.stages.get(stage);
  if (!config) return [];
  const lists: StageId[] = [];
  if (config.fanout !== 'global' && graph.scenarios) lists.push(graph.scenarios.stage);
  if (config.fanout === 'task' && graph.tasks) lists.push(graph.tasks.stage);
  // A list's own stage does not fan out over it (if its fan-out says otherwise, that is reported apart).
  const implicit = lists.filter((list) => list !== stage);
  const explicit = Object.values(config.inputs).flatMap((input) => (input.kind === 'output' ? [input.stage] : []));
  return [...new Set([...implicit, ...explicit])].filter((need) => graph.stages.has(need));
}

/** Every stage's dependencies, in file order. */
export function dependencyMap(graph: StageGraphInput): Map<StageId, StageId[]> {
  return new Map([...graph.stages.keys()].map((stage) => [stage, stageDependencies(graph, stage)]));
}

/** Everything upstream of `stages` (not including them), in file order: what a target needs built. */
export function upstreamStages(graph: StageGraphInput, stages: StageId | Iterable<StageId>): ReadonlySet<StageId> {
  const dependencies = dependencyMap(graph);
  return closure(graph, typeof stages === 'string' ? [stages] : stages, (stage) => dependencies.get(stage) ?? []);
}

function closure(
  graph: StageGraphInput,
  start: Iterable<StageId>,
  next: (stage: StageId) => StageId[],
): ReadonlySet<StageId> {
  const starts = new Set(start);
  const seen = new Set<StageId>();
  const queue = [...starts];
  for (let stage = queue.shift(); stage !== undefined; stage = queue.shift()) {
    for (const neighbour of next(stage)) {
      if (!seen.has(neighbour)) (seen.add(neighbour), queue.push(neighbour));
    }
  }
  return new Set([...graph.stages.keys()].filter((stage) => seen.has(stage) && !starts.has(stage)));
}

/**
 * The stages in an order where each comes after what it needs; among stages ready at the same time,
 * file order (so the order is stable and reads like the file). A cycle is the error, as a path.
 */
export function topologicalOrder(graph: StageGraphInput): Result<StageId[], StageId[]> {
  const dependencies = dependencyMap(graph);
  const placed = new Set<StageId>();
  const order: StageId[] = [];
  while (order.length < graph.stages.size) {
    const ready = [...graph.stages.keys()].find(
      (stage) => !placed.has(stage) && (dependencies.get(stage) ?? []).every((need) => placed.has(need)),
    );
    if (ready === undefined) return err(findCycles(graph)[0] ?? []);
    placed.add(ready);
    order.push(ready);
  }
  return ok(order);
}

/** The run order of a validated config (config loading rejects cycles, so one here is a bug). */
export function stageOrder(graph: StageGraphInput): StageId[] {
  const order = topologicalOrder(graph);
  if (!order.ok) throw new Error(`internal error: stage cycle ${order.error.join(' → ')} passed config validation`);
  return order.value;
}

/**
 * Every cycle, one per group of stages that need each other: a path `[a, b, …, a]` where each stage
 * feeds the next (b reads a), starting at the group's first stage in file order, shortest first.
 * `[a, a]` is a stage reading its own output.
 */
export function findCycles(graph: StageGraphInput): StageId[][] {
  const dependencies = dependencyMap(graph);
  const fileOrder = [...graph.stages.keys()];
  return stronglyConnected(fileOrder, dependencies)
    .filter((group) => group.length > 1 || (dependencies.get(group[0]!) ?? []).includes(group[0]!))
    .map((group) =>
      shortestCycle(
        fileOrder.filter((stage) => group.includes(stage)),
        dependencies,
      ),
    )
    .sort((a, b) => fileOrder.indexOf(a[0]!) - fileOrder.indexOf(b[0]!));
}

/** Breadth-first from the group's first stage along "is read by" edges, back to itself. */
function shortestCycle(group: StageId[], dependencies: Map<StageId, StageId[]>): StageId[] {
  const start = group[0]!;
  const cameFrom = new Map<StageId, StageId>();
  const queue = [start];
  for (let stage = queue.shift(); stage !== undefined; stage = queue.shift()) {
    for (const reader of group.filter((candidate) => (dependencies.get(candidate) ?? []).includes(stage))) {
      if (reader === start) return [...pathTo(stage, start, cameFrom), start];
      if (!cameFrom.has(reader)) (cameFrom.set(reader, stage), queue.push(reader));
    }
  }
  return [start, start]; // unreachable for a real cycle group
}

function pathTo(end: StageId, start: StageId, cameFrom: Map<StageId, StageId>): StageId[] {
  const path = [end];
  for (let stage = end; stage !== start;) path.unshift((stage = cameFrom.get(stage)!));
  return path;
}

/** Tarjan's algorithm: groups of stages that (transitively) need each other. */
function stronglyConnected(stages: StageId[], dependencies: Map<StageId, StageId[]>): StageId[][] {
  const index = new Map<StageId, number>();
  const lowLink = new Map<StageId, number>();
  const stack: StageId[] = [];
  const groups: StageId[][] = [];
  const visit = (stage: StageId): void => {
    index.set(stage, index.size);
    lowLink.set(stage, index.get(stage)!);
    stack.push(stage);
    for (const need of dependencies.get(stage) ?? []) {
      if (!index.has(need)) visit(need);
      if (stack.includes(need)) lowLink.set(stage, Math.min(lowLink.get(stage)!, lowLink.get(need)!));
    }
    if (lowLink.get(stage) === index.get(stage)) {
      const group = stack.splice(stack.indexOf(stage));
      groups.push(group);
    }
  };
  for (const stage of stages) if (!index.has(stage)) visit(stage);
  return groups;
}
