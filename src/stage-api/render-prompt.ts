// Renders one of a stage's prompts by name; a stage asking for a prompt the pipeline file does not
// give it is a configuration mistake, so the message says where to declare it.
import type { RenderContext } from './stage.js';

export function renderPrompt(
  context: RenderContext<unknown>,
  name: string,
  values: Readonly<Record<string, string>>,
): string {
  const template = context.prompts[name];
  if (!template) {
    throw new Error(
      `stage "${context.stage}" needs a prompt named "${name}": add it under stages.${context.stage}.prompts in awm.pipeline.yaml`,
    );
  }
  return template.render(values);
}
