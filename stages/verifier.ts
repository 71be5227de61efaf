// The verifier of one task (the stage fans out per task): a code-mode verifier (complete | others),
// an sql-mode fact gatherer with success and failure criteria for the LLM judge, a reference
// solution and a near miss. Its check is the self-test (src/verify/self-test.ts): the verifier must
// say others on the untouched seed and for the near miss, and complete after the reference solution
// has been replayed through the env host, also after noise rows shifted new ids. What goes wrong
// is fed back. The prompt puts the scenario's part first and the task last, so a provider's prompt
// cache serves all tasks of a scenario.
//
// Output: verifiers/<task>.json — the answer, and the self-test's checks.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { quoteIdentifier } from '../src/sqlite/identifiers.js';
import { usableSchema, type SchemaAnswer } from '../src/sqlite/apply-schema.js';
import { llmStage, type CheckOutcome, type RunContext } from '../src/stage-api/index.js';
import { formatSchemaSql, readSchema, readScenario, type TaskRow } from '../src/synthesis/artifacts.js';
import { capErrors } from '../src/synthesis/feedback-text.js';
import { describeWorldClock } from '../src/synthesis/time-placeholder-guide.js';
import type { ToolSpec, ToolSpecFile } from '../src/synthesis/tool-spec.js';
import { selfTest, type SelfTestReport, type VerifierAnswer } from '../src/verify/self-test.js';

export interface VerifierParams {
  readonly call_time_limit_ms: number;
  readonly verifier_time_limit_ms: number;
}

const callList = {
  type: 'array',
  items: {
    type: 'object',
    required: ['tool', 'arguments'],
    additionalProperties: false,
    properties: { tool: { type: 'string', minLength: 1 }, arguments: { type: 'object' } },
  },
} as const;

export const verifierAnswerSchema = {
  type: 'object',
  required: [
    'reasoning',
    'solution',
    'near_miss',
    'code_verifier',
    'fact_gatherer',
    'success_criteria',
    'failure_criteria',
  ],
  additionalProperties: false,
  properties: {
    reasoning: { type: 'string' },
    solution: {
      type: 'object',
      required: ['calls', 'answer'],
      additionalProperties: false,
      properties: { calls: callList, answer: { type: ['string', 'null'] } },
    },
    near_miss: {
      type: 'object',
      required: ['calls', 'answer', 'why'],
      additionalProperties: false,
      properties: { calls: callList, answer: { type: ['string', 'null'] }, why: { type: 'string', minLength: 1 } },
    },
    code_verifier: { type: 'string', minLength: 1 },
    fact_gatherer: { type: 'string', minLength: 1 },
    success_criteria: { type: 'string', minLength: 1 },
    failure_criteria: { type: 'string', minLength: 1 },
  },
} as const;

/** What verifiers/<task>.json holds. */
export interface VerifierArtifact extends VerifierAnswer {
  readonly task_id: string;
  readonly kind: TaskRow['kind'];
  readonly task: string;
  readonly world_clock: string;
  readonly self_test: SelfTestReport;
}

const reports = new WeakMap<VerifierAnswer, SelfTestReport>();

export default llmStage<VerifierParams, VerifierAnswer>({
  description: 'Asks for a task’s verifier, fact gatherer and reference solution, and self-tests the verifier',
  usesWorldClock: true,
  llm: { maxTokens: 32000, timeoutS: 1200, maxTokensCap: 64000 },
  params: {
    call_time_limit_ms: {
      type: 'integer',
      minimum: 100,
      default: 2000,
      description: 'Time limit of one tool call while replaying',
    },
    verifier_time_limit_ms: {
      type: 'integer',
      minimum: 500,
      default: 10000,
      description: 'Time limit of one verifier run (all its self-test cases)',
    },
  },
  prompt(context) {
    const scenario = readScenario(context.inputs);
    const schema = usableSchema(readSchema(context.inputs));
    const task = context.inputs.json<TaskRow>('task');
    return [
      'verifier',
      {
        scenario_name: scenario.name,
        scenario_description: scenario.description,
        world_clock: describeWorldClock(context.worldClockInstant),
        schema: formatSchemaSql(schema),
        seed_rows: seedRows(context.inputs.path('seed_db'), schema),
        tools: context.inputs.json<ToolSpecFile>('spec').tools.map(describeTool).join('\n'),
        task_id: task.id,
        task_kind: task.kind,
        task: task.text,
      },
    ];
  },
  answer: verifierAnswerSchema,
  async check(answer, context) {
    return checkVerifier(answer, context);
  },
  failure: (context) => `no verifier for ${context.task ?? 'the task'} that passes its self-test`,
  async write(answer, context) {
    const report = reports.get(answer);
    if (report === undefined) throw new Error('internal error: the accepted verifier was not self-tested');
    const task = context.inputs.json<TaskRow>('task');
    const artifact: VerifierArtifact = {
      task_id: task.id,
      kind: task.kind,
      task: task.text,
      world_clock: context.worldClock,
      ...answer,
      self_test: report,
    };
    await context.outputs.writeJson('verifier', artifact);
    return report.discriminates ? 'discriminates' : 'does not discriminate';
  },
});

async function checkVerifier(
  answer: VerifierAnswer,
  context: RunContext<VerifierParams & { max_attempts: number }>,
): Promise<CheckOutcome> {
  const task = context.inputs.json<TaskRow>('task');
  const workDir = mkdtempSync(join(tmpdir(), 'awm-verifier-self-test-'));
  try {
    const report = await selfTest({
      answer,
      kind: task.kind,
      tools: context.inputs.json<ToolSpecFile>('spec').tools,
      specPath: context.inputs.path('spec'),
      modulePath: context.inputs.path('tools'),
      seedPath: context.inputs.path('seed_db'),
      worldClock: context.worldClock,
      sandbox: context.sandbox,
      workDir,
      callTimeoutMs: context.params.call_time_limit_ms,
      verifierTimeoutMs: context.params.verifier_time_limit_ms,
      signal: context.signal,
    });
    reports.set(answer, report);
    for (const check of report.checks)
      context.log(`self-test: ${check.name}: ${check.got} (expected ${check.expected})`);
    if (report.discriminates) return { ok: true };
    return { ok: false, errors: capErrors([...report.problems]), score: report.problems.length };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** Every row of every table, one JSON object per line (the verifier must know the data it judges). */
function seedRows(seedPath: string, schema: SchemaAnswer): string {
  const db = new Database(seedPath, { readonly: true, fileMustExist: true });
  try {
    return schema.tables
      .map((table) => {
        const rows = db.prepare(`SELECT * FROM ${quoteIdentifier(table.name)} ORDER BY rowid`).all();
        return [`${table.name}:`, ...(rows.length === 0 ? ['(no rows)'] : rows.map((row) => JSON.stringify(row)))].join(
          '\n',
        );
      })
      .join('\n\n');
  } finally {
    db.close();
  }
}

/** A tool as the verifier needs it: what it does, takes, returns, refuses and writes. */
function describeTool(tool: ToolSpec): string {
  const properties = (tool.input_schema['properties'] ?? {}) as Record<string, { type?: unknown; enum?: unknown }>;
  const required = new Set((tool.input_schema['required'] ?? []) as string[]);
  const args = Object.entries(properties)
    .map(
      ([name, schema]) =>
        `${name}${required.has(name) ? '' : '?'}: ${JSON.stringify(schema.enum ?? schema.type ?? 'any')}`,
    )
    .join(', ');
  const errors = tool.errors.map((error) => `${error.code} (${error.when})`).join('; ');
  return [
    `- ${tool.name}(${args}) → ${tool.output_description}`,
    `  ${tool.description}`,
    `  reads ${tool.tables_read.join(', ') || 'nothing'}; writes ${tool.tables_written.join(', ') || 'nothing'}${errors ? `; errors: ${errors}` : ''}`,
  ].join('\n');
}
