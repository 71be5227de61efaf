// The environment: one synchronous JavaScript handler per tool of the spec, written by the LLM
// (the tool module contract is in src/env/README.md); the host owns everything else. The check
// runs the module in the sandboxed host on fresh copies of the seed: every tool with each of its
// spec examples, and the scenario's reference solutions where they exist (a change's end state
// must hold afterwards). Failing tools are fed back with their code and asked for again, alone.
//
// Incremental at the tool level: each handler is kept with a key of what decided it (its spec
// entry, the schema of the tables it touches, the prompt template, the model, the world clock), so
// when the spec or schema changes only the tools whose key changed are asked for again.
//
// Outputs: tools.mjs (the module the host loads) and env.json (each tool's key and code, and the
// check's report: tools passing of total, examples, solutions replayed).
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import Database from 'better-sqlite3';
import { checkEnvironment, type EnvCheckReport } from '../src/env/env-check.js';
import { SandboxedRunner } from '../src/env/sandboxed-runner.js';
import { quoteIdentifier } from '../src/sqlite/identifiers.js';
import { usableSchema, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import {
  defineStage,
  maxAttemptsParam,
  renderPrompt,
  stageFailure,
  type CheckOutcome,
  type RenderContext,
  type RunContext,
  type StageRunResult,
} from '../src/stage-api/index.js';
import { formatSchemaSql, readSchema, readScenario } from '../src/synthesis/artifacts.js';
import { capErrors } from '../src/synthesis/feedback-text.js';
import { parseSolutions, type SolutionsFile } from '../src/synthesis/solutions.js';
import { describeWorldClock } from '../src/synthesis/time-placeholder-guide.js';
import type { ToolSpec, ToolSpecFile } from '../src/synthesis/tool-spec.js';
import { canonicalJson } from '../src/util/canonical-json.js';

export interface EnvParams {
  readonly max_attempts: number;
  readonly call_time_limit_ms: number;
  readonly memory_mb: number;
  readonly sample_rows: number;
}

export interface EnvAnswer {
  readonly tools: readonly { readonly name: string; readonly code: string }[];
}

/** env.json: what the next build keeps, and what the check found. */
export interface EnvArtifact {
  readonly world_clock: string;
  readonly tools: readonly { readonly name: string; readonly key: string; readonly code: string }[];
  readonly check: {
    readonly tools_passing: number;
    readonly tools_total: number;
    readonly examples: { readonly ok: number; readonly business_error: number; readonly failed: number };
    readonly solutions: { readonly replayed: number; readonly failed: number };
  };
}

export const envAnswerSchema = {
  type: 'object',
  required: ['tools'],
  additionalProperties: false,
  properties: {
    tools: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'code'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1 }, code: { type: 'string', minLength: 1 } },
      },
    },
  },
} as const;

export default defineStage<EnvParams>({
  description: 'Asks for one JavaScript handler per tool and runs every tool in the sandboxed host',
  usesLlm: true,
  usesWorldClock: true,
  llm: { maxTokens: 64000, timeoutS: 1200, maxTokensCap: 128000 },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_attempts: maxAttemptsParam(),
      call_time_limit_ms: {
        type: 'integer',
        minimum: 100,
        default: 2000,
        description: 'Time limit of one tool call in the check',
      },
      memory_mb: { type: 'integer', minimum: 64, default: 256, description: "Memory limit of the handlers' process" },
      sample_rows: {
        type: 'integer',
        minimum: 0,
        maximum: 20,
        default: 3,
        description: 'Rows per table the prompt shows',
      },
    },
  },
  render: (context) => ({ env: renderEnvPrompt(context, readSpec(context).tools) }),
  run: runEnvStage,
});

function readSpec(context: RenderContext<EnvParams>): ToolSpecFile {
  return context.inputs.json<ToolSpecFile>('spec');
}

function renderEnvPrompt(context: RenderContext<EnvParams>, tools: readonly ToolSpec[]): string {
  const scenario = readScenario(context.inputs);
  const schema = usableSchema(readSchema(context.inputs));
  return renderPrompt(context, 'env', {
    scenario_name: scenario.name,
    scenario_description: scenario.description,
    world_clock: describeWorldClock(context.worldClockInstant),
    schema: formatSchemaSql(schema),
    sample_rows: sampleRows(context.inputs.path('seed_db'), schema, context.params.sample_rows),
    tools: tools.map(describeTool).join('\n\n'),
    tool_names: tools.map((tool) => tool.name).join(', '),
  });
}

/** The first rows of each table, one JSON object per line, so the model sees the value formats. */
function sampleRows(seedPath: string, schema: SchemaAnswer, limit: number): string {
  const db = new Database(seedPath, { readonly: true, fileMustExist: true });
  try {
    return schema.tables
      .map((table) => {
        const rows = db.prepare(`SELECT * FROM ${quoteIdentifier(table.name)} ORDER BY rowid LIMIT ?`).all(limit);
        const lines = rows.length === 0 ? ['(no rows)'] : rows.map((row) => JSON.stringify(row));
        return [`${table.name}:`, ...lines].join('\n');
      })
      .join('\n\n');
  } finally {
    db.close();
  }
}

function describeTool(tool: ToolSpec): string {
  const { name, description, input_schema, output_schema, errors, tables_read, tables_written, examples } = tool;
  return [
    `### ${name}`,
    JSON.stringify({ description, input_schema, output_schema, errors, tables_read, tables_written, examples }),
  ].join('\n');
}

/** What decided a tool's handler; the same key means the kept handler still answers the request. */
function toolKey(context: RunContext<EnvParams>, tool: ToolSpec, schema: SchemaAnswer): string {
  const touched = new Set([...tool.tables_read, ...tool.tables_written].map((table) => table.toLowerCase()));
  const tables = schema.tables
    .filter((table) => touched.has(table.name.toLowerCase()))
    .map((table) => [table.ddl, ...(table.indexes ?? [])]);
  const template = context.prompts['env']?.file ?? '';
  return createHash('sha256')
    .update(
      canonicalJson({
        tool,
        tables,
        template: templateText(context),
        templateFile: template,
        model: context.llm.model,
        worldClock: context.worldClock,
      }),
    )
    .digest('hex')
    .slice(0, 16);
}

/** The template with every value left as its placeholder: changes only when the template does. */
function templateText(context: RunContext<EnvParams>): string {
  const names = [
    'scenario_name',
    'scenario_description',
    'world_clock',
    'schema',
    'sample_rows',
    'tools',
    'tool_names',
  ];
  return renderPrompt(context, 'env', Object.fromEntries(names.map((name) => [name, `{{${name}}}`])));
}

async function runEnvStage(context: RunContext<EnvParams>): Promise<StageRunResult> {
  const spec = readSpec(context);
  const schema = usableSchema(readSchema(context.inputs));
  const keys = new Map(spec.tools.map((tool) => [tool.name, toolKey(context, tool, schema)]));
  const previous = context.outputs.previousJson<EnvArtifact>('env');
  const handlers = new Map<string, string>();
  for (const kept of previous?.tools ?? [])
    if (keys.get(kept.name) === kept.key && typeof kept.code === 'string') handlers.set(kept.name, kept.code);
  const missing = spec.tools.filter((tool) => !handlers.has(tool.name));
  if (handlers.size > 0)
    context.log(
      `kept ${handlers.size} handlers whose spec entry and tables did not change; asking for ${missing.length}` +
        (missing.length > 0 ? `: ${missing.map((tool) => tool.name).join(', ')}` : ''),
    );
  const solutions = readSolutions(context);
  const scratch = mkdtempSync(join(tmpdir(), 'awm-env-check-'));
  try {
    const checker = new ModuleChecker(context, spec, solutions, scratch, handlers);
    if (missing.length === 0) {
      const report = await checker.check(handlers);
      if (report.passing !== report.total)
        return {
          status: 'failed',
          kind: 'check',
          message: `the kept handlers no longer pass: ${failingProblems(report).slice(0, 5).join('; ')}`,
        };
      await write(context, spec, keys, handlers, report);
      return { status: 'ok', warnings: reportWarnings(report), summary: summaryOf(report) };
    }
    const request = missing.length === spec.tools.length ? context.requests['env']! : renderEnvPrompt(context, missing);
    const result = await context.llm.structured<EnvAnswer>({
      messages: [{ role: 'user', content: request }],
      schema: envAnswerSchema,
      check: (answer) => checker.checkAnswer(answer),
      maxAttempts: context.params.max_attempts,
      signal: context.signal,
    });
    const best = checker.best;
    if (!result.ok || best === null || best.report.passing !== best.report.total) {
      if (result.ok) throw new Error('internal error: the env check passed without a passing module');
      return stageFailure('no tool module whose every tool works', {
        ...result,
        best: best === null ? null : { value: { tools: toAnswer(best.handlers) }, errors: result.best?.errors ?? [] },
      });
    }
    await write(context, spec, keys, best.handlers, best.report);
    return {
      status: 'ok',
      warnings: [...result.warnings, ...reportWarnings(best.report)],
      summary: summaryOf(best.report),
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function readSolutions(context: RunContext<EnvParams>): SolutionsFile | null {
  if (!context.inputs.has('solutions')) return null;
  const parsed = parseSolutions(context.inputs.json('solutions'));
  if (!parsed.ok) throw new Error(`input "solutions" is not a solutions file: ${parsed.problems.join('; ')}`);
  return parsed.value;
}

interface Checked {
  readonly handlers: ReadonlyMap<string, string>;
  readonly report: EnvCheckReport;
}

/**
 * Runs the check on the handlers merged so far plus each answer: an answer replaces the tools it
 * names, so a repair answer carries only the tools that failed. Keeps the best module seen.
 */
class ModuleChecker {
  best: Checked | null = null;
  #current: Map<string, string>;
  #round = 0;

  constructor(
    private readonly context: RunContext<EnvParams>,
    private readonly spec: ToolSpecFile,
    private readonly solutions: SolutionsFile | null,
    private readonly scratch: string,
    kept: ReadonlyMap<string, string>,
  ) {
    this.#current = new Map(kept);
  }

  async checkAnswer(answer: EnvAnswer): Promise<CheckOutcome> {
    const names = new Set(this.spec.tools.map((tool) => tool.name));
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const tool of answer.tools) {
      if (!names.has(tool.name))
        problems.push(`"${tool.name}" is not a tool of the spec; give handlers for spec tools only`);
      else if (seen.has(tool.name)) problems.push(`tool ${tool.name} is given twice; give each handler once`);
      seen.add(tool.name);
    }
    if (problems.length > 0) return { ok: false, errors: problems, score: this.spec.tools.length + 1 };
    const merged = new Map(this.#current);
    for (const tool of answer.tools) merged.set(tool.name, tool.code);
    const missing = this.spec.tools.filter((tool) => !merged.has(tool.name)).map((tool) => tool.name);
    if (missing.length > 0)
      return {
        ok: false,
        errors: [`these tools have no handler yet: ${missing.join(', ')}; give a handler for each`],
        score: this.spec.tools.length,
      };
    this.#current = merged;
    const report = await this.check(merged);
    if (this.best === null || report.passing > this.best.report.passing) this.best = { handlers: merged, report };
    if (report.passing === report.total && report.solutions.failed === 0) return { ok: true };
    return {
      ok: false,
      errors: capErrors([
        `${report.total - report.passing} of ${report.total} tools fail; answer with new handlers for exactly these tools: ` +
          failingTools(report).join(', '),
        ...failingProblems(report, merged),
      ]),
      score: report.total - report.passing,
    };
  }

  /** The whole check, on a module assembled from `handlers`, in the sandboxed host. */
  async check(handlers: ReadonlyMap<string, string>): Promise<EnvCheckReport> {
    const folder = join(this.scratch, `round-${(this.#round += 1)}`);
    mkdirSync(folder, { recursive: true });
    const { text, unparsable } = assembleModule(this.spec, handlers);
    const modulePath = join(folder, 'tools.mjs');
    const specPath = join(folder, 'spec.json');
    writeFileSync(modulePath, text);
    writeFileSync(specPath, JSON.stringify(this.spec));
    const runner = await SandboxedRunner.start({
      init: { modulePath, specPath, worldClock: this.context.worldClock },
      scratchDir: folder,
      memoryMb: this.context.params.memory_mb,
      signal: this.context.signal,
    });
    const report = await checkEnvironment({
      tools: this.spec.tools,
      snapshotPath: this.context.inputs.path('seed_db'),
      workDir: join(folder, 'run'),
      runner,
      solutions: this.solutions,
      timeoutMs: this.context.params.call_time_limit_ms,
    });
    return withUnparsable(report, unparsable);
  }
}

/** Marks the tools whose code did not parse as failing first (they ran as stubs that throw). */
function withUnparsable(report: EnvCheckReport, unparsable: ReadonlyMap<string, string>): EnvCheckReport {
  if (unparsable.size === 0) return report;
  const tools = report.tools.map((tool) => {
    const problem = unparsable.get(tool.name);
    return problem === undefined ? tool : { ...tool, problems: [problem, ...tool.problems] };
  });
  return { ...report, tools, passing: tools.filter((tool) => tool.problems.length === 0).length };
}

function failingTools(report: EnvCheckReport): string[] {
  return report.tools.filter((tool) => tool.problems.length > 0).map((tool) => tool.name);
}

/** Each failing tool's problems, with its current code when given (what the repair must fix). */
function failingProblems(report: EnvCheckReport, handlers?: ReadonlyMap<string, string>): string[] {
  return report.tools
    .filter((tool) => tool.problems.length > 0)
    .map((tool) => {
      const code = handlers?.get(tool.name);
      const shown = code === undefined ? '' : `\n    its handler:\n${indent(code, 6)}`;
      return `tool ${tool.name}: ${tool.problems.slice(0, 3).join('; ')}${shown}`;
    });
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

/**
 * The module text: one property per tool, in the spec's order. A handler whose code does not parse
 * as a function expression becomes a stub that throws, so the other tools can still be checked;
 * such a module never passes.
 */
export function assembleModule(
  spec: ToolSpecFile,
  handlers: ReadonlyMap<string, string>,
): { text: string; unparsable: Map<string, string> } {
  const unparsable = new Map<string, string>();
  const entries = spec.tools.map((tool) => {
    const code = (handlers.get(tool.name) ?? '').trim();
    const problem = parseProblem(code);
    if (problem !== null) unparsable.set(tool.name, `the handler does not parse as a function expression: ${problem}`);
    const body =
      problem === null
        ? code
        : `function () {\n  throw new Error(${JSON.stringify(`the handler of ${tool.name} does not parse`)});\n}`;
    return `  ${JSON.stringify(tool.name)}: ${body.split('\n').join('\n  ')},`;
  });
  const text = [
    '// The tool handlers of this environment, written by the env stage of awm: one synchronous',
    "// function (args, ctx) per tool of spec.json, in the spec's order (contract: src/env/README.md).",
    'export const tools = {',
    ...entries,
    '};',
    '',
  ].join('\n');
  return { text, unparsable };
}

/** Compiles (never runs) `(code)`: null when it is one function expression. */
function parseProblem(code: string): string | null {
  if (!/^(?:function\b|\(?[\w\s,{}[\]=.]*\)?\s*=>)/.test(code))
    return 'it must start with `function (args, ctx) {` (or be an arrow function)';
  try {
    new Script(`(${code}\n)`, { filename: 'handler.js' });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function toAnswer(handlers: ReadonlyMap<string, string>): EnvAnswer['tools'] {
  return [...handlers].map(([name, code]) => ({ name, code }));
}

/** The line the build and `awm status` show: `38/38 tools pass (57 examples); 10 solutions replay`. */
function summaryOf(report: EnvCheckReport): string {
  const examples = report.tools.reduce((total, tool) => total + tool.ok + tool.business + tool.failed, 0);
  const solutions = report.solutions.replayed === 0 ? '' : `; ${report.solutions.replayed} solutions replay`;
  return `${report.passing}/${report.total} tools pass (${examples} examples)${solutions}`;
}

function reportWarnings(report: EnvCheckReport): string[] {
  const business = report.tools.reduce((sum, tool) => sum + tool.business, 0);
  return business === 0
    ? []
    : [
        `${business} spec examples were answered with a business error the tool declares (fine when the example asks for it)`,
      ];
}

async function write(
  context: RunContext<EnvParams>,
  spec: ToolSpecFile,
  keys: ReadonlyMap<string, string>,
  handlers: ReadonlyMap<string, string>,
  report: EnvCheckReport,
): Promise<void> {
  const { text } = assembleModule(spec, handlers);
  await context.outputs.writeText('tools', text);
  const artifact: EnvArtifact = {
    world_clock: context.worldClock,
    tools: spec.tools.map((tool) => ({ name: tool.name, key: keys.get(tool.name)!, code: handlers.get(tool.name)! })),
    check: {
      tools_passing: report.passing,
      tools_total: report.total,
      examples: {
        ok: sum(report, 'ok'),
        business_error: sum(report, 'business'),
        failed: sum(report, 'failed'),
      },
      solutions: { replayed: report.solutions.replayed, failed: report.solutions.failed },
    },
  };
  await context.outputs.writeJson('env', artifact);
  context.log(
    `${report.passing}/${report.total} tools pass; examples ${artifact.check.examples.ok} ok, ` +
      `${artifact.check.examples.business_error} business errors; solutions replayed ${report.solutions.replayed}`,
  );
}

function sum(report: EnvCheckReport, kind: 'ok' | 'business' | 'failed'): number {
  return report.tools.reduce((total, tool) => total + tool[kind], 0);
}
