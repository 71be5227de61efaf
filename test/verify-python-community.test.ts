// The 80 code-mode verifiers of the reference pipeline's community run (../shared/awm-samples,
// never copied into the project), each through verifyRun as an imported verifier file, on its
// scenario's built database as both initial and final state and an empty final answer: what a
// do-nothing agent gets. `others` is the right answer; `complete` passes an agent that did nothing
// (suspicious); errors are grouped by what they say. Every row must reach a verdict or the
// verifier's own error: none may fail for the sandbox's or the harness's sake. Skipped, saying
// so, when the samples are absent.
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { scenarioId } from '../src/synthesis/scenario-id.js';
import { verifyRun } from '../src/verify/verify-run.js';
import type { CodeVerifyResult } from '../src/verify/verify-result.js';
import { awmSamples, readJsonl } from './support/awm-samples.js';
import { writeRun } from './support/verify-fixture.js';

interface VerifierRow {
  readonly scenario: string;
  readonly task_idx: number;
  readonly task: string;
  readonly verification: { readonly code: string | null; readonly raw_response: string };
}

const samples = awmSamples('the 80 community Python verifiers on initial-vs-initial');
const python = await findPython();
if (samples !== null && !python.ok) console.log(`  skipped: the 80 community Python verifiers (${python.error})`);

(samples !== null && python.ok ? test : test.skip)(
  '80 community verifiers on the untouched database: others, complete, or their own error',
  async () => {
    const run = join(samples!, 'community-run-8-scenarios');
    const lines = readJsonl<VerifierRow>(join(run, 'gen_verifier.jsonl'));
    // Duplicate keys keep the last row (AWM-FACTS "2 Verifier stage").
    const rows = [...new Map(lines.map((row) => [`${scenarioId(row.scenario)}/${row.task_idx}`, row])).values()];
    const folder = mkdtempSync(join(tmpdir(), 'awm-verify-community-'));
    const sandbox = sandboxRunner({});
    const tally = { others: [] as string[], complete: [] as string[], errors: new Map<string, string[]>() };
    try {
      for (const row of rows) {
        const scenario = scenarioId(row.scenario);
        const label = `${scenario}#${row.task_idx}`;
        const database = join(run, 'databases', `${scenario}.db`);
        assert.ok(existsSync(database), `no database for ${label}: ${database}`);
        const taskId = `task_${String(row.task_idx).padStart(2, '0')}`;
        const dir = writeRun(join(folder, label), { taskId, scenario, finalAnswer: '' });
        copyFileSync(database, join(dir, 'initial.db'));
        copyFileSync(database, join(dir, 'final.db'));
        const verifierPath = join(folder, `${label}.json`);
        writeFileSync(verifierPath, JSON.stringify(importedVerifier(row, taskId)));
        const outcome = await verifyRun({ mode: 'code', run: dir, verifierPath, sandbox });
        if (!outcome.ok) throw new Error(`${label}: setup problem: ${outcome.error.message}`);
        const result = outcome.value as CodeVerifyResult;
        if (result.result === 'others') tally.others.push(label);
        else if (result.result === 'complete') tally.complete.push(`${label} (${row.task})`);
        else {
          const why = `${result.error?.code}: ${errorGist(result.error?.message ?? '')}`;
          tally.errors.set(why, [...(tally.errors.get(why) ?? []), label]);
        }
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
    const errorCount = [...tally.errors.values()].reduce((sum, labels) => sum + labels.length, 0);
    console.log(
      [
        '',
        `  80 community verifiers, initial vs initial, empty final answer (${rows.length} rows):`,
        `    others (what a do-nothing agent gets): ${tally.others.length}`,
        `    complete (passes a do-nothing agent, suspicious): ${tally.complete.length}`,
        ...tally.complete.map((label) => `      ${label}`),
        `    error: ${errorCount}`,
        ...[...tally.errors].map(([why, labels]) => `      ${labels.length} × ${why}  [${labels.join(', ')}]`),
      ].join('\n'),
    );
    assert.is(rows.length, 80);
    assert.is(tally.others.length + tally.complete.length + errorCount, rows.length);
    const notTheirs = [...tally.errors.keys()].filter((why) => !why.startsWith('verifier_error'));
    assert.equal(notTheirs, [], 'every error is the verifier’s own, none the sandbox’s');
  },
);

/** The verifier file the import helper writes for a code-mode row. */
function importedVerifier(row: VerifierRow, taskId: string): Record<string, unknown> {
  const code = row.verification.code ?? '';
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(row.verification.raw_response) as Record<string, unknown>;
  } catch {
    // The official pure-code rows have an empty raw_response.
  }
  const functionName =
    typeof raw['function_name'] === 'string' ? raw['function_name'] : (/^def (verify_\w+)/m.exec(code)?.[1] ?? '');
  return {
    task_id: taskId,
    kind: 'unknown',
    task: row.task,
    world_clock: '2026-01-01T00:00:00Z',
    language: 'python',
    function_name: functionName,
    code_verifier: code,
    fact_gatherer: '',
    success_criteria: '',
    failure_criteria: '',
    reasoning: typeof raw['reasoning'] === 'string' && raw['reasoning'] !== '' ? raw['reasoning'] : '(none)',
    source: { file: 'gen_verifier.jsonl', line: 1, mode: 'code' },
  };
}

/** The kind of an error, without the row's own names and numbers: its first line. */
function errorGist(message: string): string {
  return (message.split('\n')[0] ?? '').slice(0, 160);
}

test.run();
