// Each tool's input or output schema, compiled with compileToolSchema (the dialect and settings the
// spec stage checked them with) on the tool's first call and kept. Lazily, because each compile
// builds a fresh ajv, which costs 20–40 ms: 38 tools compiled up front kept a host from being ready
// for about a second. The spec stage lets through only schemas that compile, so a failure here
// means a spec.json edited by hand: it throws, naming the tool.
import type { ValidateFunction } from 'ajv';
import { compileToolSchema, type ToolSpec } from '../synthesis/tool-spec.js';

export class SpecValidators {
  readonly #tools: ReadonlyMap<string, ToolSpec>;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(
    tools: readonly ToolSpec[],
    readonly which: 'input_schema' | 'output_schema',
  ) {
    this.#tools = new Map(tools.map((tool) => [tool.name, tool]));
  }

  /** The tool's validator, or undefined when no tool has this name. */
  get(name: string): ValidateFunction | undefined {
    const done = this.#compiled.get(name);
    if (done !== undefined) return done;
    const tool = this.#tools.get(name);
    if (tool === undefined) return undefined;
    const compiled = compileToolSchema(tool[this.which]);
    if (!compiled.ok) throw new Error(`tool ${tool.name}: ${this.which}: ${compiled.problem}`);
    this.#compiled.set(name, compiled.validate);
    return compiled.validate;
  }
}
