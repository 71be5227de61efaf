// `awm dag`: the stage graph as Mermaid or Graphviz DOT.
import type { Project } from '../engine/project.js';
import type { StageId } from '../util/brand.js';
import type { CliIo, CommandRequest } from './io.js';
import { openProjectOrReport } from './open-project.js';

export async function run(request: CommandRequest, io: CliIo): Promise<number> {
  const format = request.values['format'] ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'dot') {
    io.stderr.write(`awm: --format must be mermaid or dot (got "${String(format)}")\n`);
    return 2;
  }
  const project = await openProjectOrReport(request.root, io);
  if (!project) return 2;
  io.stdout.write(format === 'mermaid' ? mermaid(project) : dot(project));
  return 0;
}

interface Edge {
  readonly from: StageId;
  readonly to: StageId;
  readonly label: string;
}

function edges(project: Project): Edge[] {
  const result: Edge[] = [];
  for (const id of project.order) {
    const stage = project.stages.get(id);
    if (!stage) continue;
    for (const [name, input] of Object.entries(stage.config.inputs)) {
      if (input.kind === 'output')
        result.push({ from: input.stage, to: id, label: input.row ? `${name} (one row)` : name });
    }
  }
  return result;
}

function label(project: Project, id: StageId): string {
  const fanout = project.stages.get(id)?.config.fanout;
  return fanout === 'global' ? `${id}` : `${id} · per ${fanout}`;
}

function mermaid(project: Project): string {
  const lines = ['flowchart LR'];
  for (const id of project.order) lines.push(`  ${id}["${label(project, id)}"]`);
  for (const edge of edges(project)) lines.push(`  ${edge.from} -->|${edge.label}| ${edge.to}`);
  return `${lines.join('\n')}\n`;
}

function dot(project: Project): string {
  const lines = ['digraph awm {', '  rankdir=LR;', '  node [shape=box];'];
  for (const id of project.order) lines.push(`  "${id}" [label="${label(project, id)}"];`);
  for (const edge of edges(project)) lines.push(`  "${edge.from}" -> "${edge.to}" [label="${edge.label}"];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
