// The tool module: the one file of an env the LLM writes. An ES module that exports
// `tools = { <tool_name>(args, ctx) { …; return resultObject; }, … }`, one synchronous handler per
// tool of the spec (src/env/README.md has the whole contract). Loading checks the shape before any
// call, so a missing, extra or async handler is reported at once, all problems together.
import { pathToFileURL } from 'node:url';
import { err, ok, type Result } from '../util/result.js';
import type { JsonObject } from './call-outcome.js';
import type { ToolContext } from './tool-context.js';

/** A handler returns the result object, or throws (through ctx.fail for a business error). */
export type ToolHandler = (args: JsonObject, ctx: ToolContext) => unknown;

export type ToolHandlers = Readonly<Record<string, ToolHandler>>;

/** The module's handlers by tool name, or every problem with its shape. */
export async function loadToolModule(
  modulePath: string,
  toolNames: readonly string[],
): Promise<Result<ToolHandlers, string[]>> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(modulePath).href)) as Record<string, unknown>;
  } catch (error) {
    return err([`the module does not load: ${error instanceof Error ? error.message : String(error)}`]);
  }
  const tools = module['tools'];
  if (typeof tools !== 'object' || tools === null || Array.isArray(tools))
    return err(['the module must export `tools`, an object with one handler function per tool']);
  const problems = toolModuleProblems(tools as Record<string, unknown>, toolNames);
  return problems.length === 0 ? ok(tools as ToolHandlers) : err(problems);
}

export function toolModuleProblems(tools: Record<string, unknown>, toolNames: readonly string[]): string[] {
  const problems: string[] = [];
  for (const name of toolNames) {
    const handler = Object.hasOwn(tools, name) ? tools[name] : undefined;
    if (typeof handler !== 'function') problems.push(`tools.${name} is missing: give every tool of the spec a handler`);
    else if (handler.constructor.name === 'AsyncFunction' || handler.constructor.name === 'AsyncGeneratorFunction')
      problems.push(`tools.${name} is async; handlers must be synchronous (ctx.db is), so drop async and await`);
  }
  for (const name of Object.keys(tools).filter((name) => !toolNames.includes(name)))
    problems.push(`tools.${name} is not a tool of the spec; remove it or rename it to the spec's tool`);
  return problems;
}
