#!/usr/bin/env node
// Checks the demo's reference solutions (demo/solutions/<scenario>.json) against the built
// artifacts, and prints how deep each demo scenario is next to the reference's averages.
//
//   npx awm build && node scripts/check-demo-solutions.mjs [scenario…]
//
// It also prints the o200k token count of each recorded answer next to its stage's answer budget
// (the stage module's max_tokens; the demo's awm.pipeline.yaml overrides none).
//
// For each scenario: the solutions cover exactly the built tasks; every call names a tool of the
// built spec with arguments its input schema accepts; each question's SQL finds its answer in the
// built seed.db and each change's SQL finds its end state not there yet; and the depth targets the
// demo promises hold (at least 15 tables, 30 tools, 10 tasks, 25 words and 3 tool calls per task on
// average, half the tasks with 3 or more calls). Exits 1 on any problem.
import Database from 'better-sqlite3';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { depthFigures, parseSolutions, solutionProblems } from '../dist/src/synthesis/solutions.js';
import { tokenCounterFor } from '../dist/src/llm/token-count.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const solutionsDir = path.join(root, 'demo', 'solutions');
const TARGETS = { tables: 15, tools: 30, tasks: 10, meanWords: 25, meanCalls: 3, multiStepShare: 0.5 };
const REFERENCE = '35.1 tools, 18.5 tables, 8.5 agent steps and 7.1 distinct tools per task, 30-34 words per task';

const scenarios =
  process.argv.length > 2
    ? process.argv.slice(2)
    : readdirSync(solutionsDir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => file.slice(0, -'.json'.length))
        .sort();
let failed = scenarios.length === 0;
if (failed) console.log(`no solutions in ${path.relative(root, solutionsDir)}`);
const rows = [];
for (const scenario of scenarios) {
  const problems = check(scenario, rows);
  for (const problem of problems) console.log(`${scenario}: ${problem}`);
  failed ||= problems.length > 0;
}
if (rows.length > 0) {
  console.log(
    '\n| scenario | tables | rows | tools | tasks | words/task | calls/task | distinct tools/task | tasks with ≥3 calls |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`reference averages: ${REFERENCE}`);
}
await printTokenTable(scenarios);
console.log(failed ? '\nproblems found' : `\n${scenarios.length} scenario(s) pass`);
process.exit(failed ? 1 : 0);

function check(scenario, rows) {
  const file = path.join(solutionsDir, `${scenario}.json`);
  const built = path.join(root, 'artifacts', scenario);
  if (!existsSync(file)) return [`no solutions file ${path.relative(root, file)}`];
  for (const name of ['tasks.json', 'spec.json', 'seed.db'])
    if (!existsSync(path.join(built, name)))
      return [`artifacts/${scenario}/${name} is missing; run \`npx awm build ${scenario}\` first`];
  let parsed;
  try {
    parsed = parseSolutions(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    return [`${path.relative(root, file)} is not JSON: ${error.message}`];
  }
  if (!parsed.ok) return parsed.problems.map((problem) => `${path.relative(root, file)}: ${problem}`);
  const seed = new Database(path.join(built, 'seed.db'), { readonly: true, fileMustExist: true });
  try {
    const scenarioBuild = {
      tasks: JSON.parse(readFileSync(path.join(built, 'tasks.json'), 'utf8')),
      spec: JSON.parse(readFileSync(path.join(built, 'spec.json'), 'utf8')),
      seed,
    };
    const problems = solutionProblems(parsed.value, scenarioBuild);
    const depth = depthFigures(parsed.value, scenarioBuild);
    rows.push(
      `| ${scenario} | ${depth.tables} | ${depth.rows} | ${depth.tools} | ${depth.tasks} | ${depth.meanWords.toFixed(1)} | ` +
        `${depth.meanCalls.toFixed(1)} | ${depth.meanDistinctTools.toFixed(1)} | ${Math.round(depth.multiStepShare * 100)} % |`,
    );
    for (const [key, target] of Object.entries(TARGETS)) {
      const value = depth[key];
      const missed = key === 'tasks' ? value !== target : value < target;
      if (missed)
        problems.push(
          `depth: ${key} is ${Number(value.toFixed(2))}, the demo promises ${key === 'tasks' ? '' : 'at least '}${target}`,
        );
    }
    return problems;
  } finally {
    seed.close();
  }
}

/** o200k tokens of each recorded answer of the scenarios, against the answer budget of its stage. */
async function printTokenTable(scenarios) {
  const counter = await tokenCounterFor('gpt-4.1');
  const stages = ['tasks', 'schema', 'sample', 'spec', 'env'];
  const budgets = {};
  for (const stage of stages) {
    const file = path.join(root, 'dist', 'stages', `${stage}.js`);
    budgets[stage] = existsSync(file) ? ((await import(file)).default.llm?.maxTokens ?? 16000) : null;
  }
  console.log(
    `\n| recorded answer (o200k tokens) | ${stages.map((stage) => `${stage} (budget ${budgets[stage] ?? '?'})`).join(' | ')} |`,
  );
  console.log(`|---|${stages.map(() => '---').join('|')}|`);
  for (const scenario of scenarios) {
    const cells = stages.map((stage) => {
      const file = path.join(root, 'demo', 'recorded-responses', scenario, `${stage}.json`);
      if (!existsSync(file)) return '—';
      const tokens = counter.text(readFileSync(file, 'utf8'));
      if (budgets[stage] !== null && tokens > budgets[stage]) failed = true;
      return `${tokens.toLocaleString('en-US')}${budgets[stage] !== null && tokens > budgets[stage] ? ' (over!)' : ''}`;
    });
    console.log(`| ${scenario} | ${cells.join(' | ')} |`);
  }
}
