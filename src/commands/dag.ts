// `awm dag`: the stage graph as Mermaid or Graphviz DOT.
import type { CliIo } from '../cli.js';
import type { Project } from '../engine/project.js';
import { openProject } from '../engine/project.js';

export async function dagCommand(root: string, format: 'mermaid' | 'dot', io: CliIo): Promise<number> {
  const opened = await openProject(root);
  if (!opened.ok) {
    io.stderr.write(`${opened.error}\n`);
    return 2;
  }
  io.stdout.write(format === 'mermaid' ? mermaid(opened.value) : dot(opened.value));
  return 0;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

function edges(project: Project): Edge[] {
  const result: Edge[] = [];
  for (const id of project.order) {
    const stage = project.stages.get(id);
    if (!stage) continue;
    for (const [name, input] of Object.entries(stage.config.inputs)) {
      if (input.kind === 'output') result.push({ from: input.stage, to: id, label: input.row ? `${name} (one row)` : name });
    }
  }
  return result;
}

function label(project: Project, id: string): string {
  const fanout = project.stages.get(id as never)?.config.fanout;
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
