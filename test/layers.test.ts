// The folder structure is the architecture (STYLE.md point 1): imports run one way between the
// subsystems of src/ (LAYOUT.md section 3.3), stages import only the stage API and the domain
// folders, and no file imports itself through a cycle. This test reads every import specifier of
// every source file and fails naming the file, the import and the forbidden arrow.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import ts from 'typescript';
import { REPO_ROOT } from './support/cli-rig.js';

/**
 * Which subsystems each may import (besides itself and util/, which everything may use). `types`
 * means type-only imports: the shape of the other side, never its code.
 */
const ALLOWED: Readonly<Record<string, Readonly<Record<string, 'any' | 'types'>>>> = {
  cli: { commands: 'any' },
  commands: {
    engine: 'any',
    config: 'any',
    logging: 'any',
    llm: 'any',
    'stage-api': 'any',
    sandbox: 'any',
    env: 'any',
    synthesis: 'any',
    agent: 'any',
    verify: 'any',
    serve: 'any',
    interop: 'any',
  },
  config: {},
  engine: { config: 'any', 'stage-api': 'any', llm: 'types', sqlite: 'any', sandbox: 'types' },
  env: { sqlite: 'any', synthesis: 'any', sandbox: 'any' },
  verify: { env: 'any', sqlite: 'any', synthesis: 'any', sandbox: 'any', llm: 'any', 'stage-api': 'any' },
  agent: { env: 'any', llm: 'any', synthesis: 'any', sandbox: 'any', verify: 'any' },
  serve: { env: 'any', verify: 'any', synthesis: 'any', sandbox: 'any', llm: 'types' },
  'stage-api': { llm: 'types', sandbox: 'types' },
  logging: { engine: 'any', llm: 'any', sandbox: 'any' },
  llm: { config: 'types' },
  sqlite: {},
  synthesis: { sqlite: 'any', 'stage-api': 'types' },
  interop: { synthesis: 'any', sqlite: 'any' },
  testing: { llm: 'any' },
  sandbox: { sqlite: 'any' },
  util: {},
  stages: { 'stage-api': 'any', synthesis: 'any', sqlite: 'any', sandbox: 'any', env: 'any', verify: 'any' },
};

/** Files of another subsystem that a subsystem may import (narrower than the folder). */
const ONLY_FILES: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  // The engine hashes .db outputs by their canonical dump; the rest of sqlite/ is the stages'.
  engine: { sqlite: ['src/sqlite/canonical-dump.ts', 'src/sqlite/identifiers.ts'] },
  // The env host reads the spec's types and compiles its schemas the one way the spec stage does.
  env: { synthesis: ['src/synthesis/tool-spec.ts', 'src/synthesis/solutions.ts'] },
  // The env commands name scenarios as the pipeline does and read the spec's tools.
  commands: { synthesis: ['src/synthesis/scenario-id.ts', 'src/synthesis/tool-spec.ts'] },
  // The episode server reads the spec's tool types only.
  serve: { synthesis: ['src/synthesis/tool-spec.ts'] },
  // The judge's prompt is a template like the stages' (prompts/judge.md); the rest of the stage API is the stages'.
  verify: { 'stage-api': ['src/stage-api/prompt-template.ts'] },
};

/**
 * Only these files may touch `process` (the CLI gives everything else a CliIo): cli.ts, and the
 * sandbox, which starts and kills child processes and whose child mains are processes themselves.
 */
const PROCESS_ALLOWED = [
  'src/cli.ts',
  'src/sandbox/child-launch.ts', // the children run this very node (process.execPath, process.version)
  'src/sandbox/sandbox-child.ts', // kills children's process groups, also when awm exits
  'src/sandbox/child-entry.ts', // the one-shot child's main: exits once it has answered
  'src/sandbox/worker-child-entry.ts', // the worker child's main: exits when the parent ends the channel
  'src/sandbox/python-interpreter.ts', // finds python3 on awm's PATH and asks it, with awm's environment, where it lives
];

interface Import {
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const found: Import[] = [];
  const add = (specifier: string, typeOnly: boolean): void => {
    if (!specifier.startsWith('.')) return;
    const to = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
    found.push({ from: relative(REPO_ROOT, file), to: relative(REPO_ROOT, to), specifier, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named =
        clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const allTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            named !== null &&
            named.length > 0 &&
            named.every((element) => element.isTypeOnly)));
      add(node.moduleSpecifier.text, allTypes);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      add(node.arguments[0].text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `src/engine/x.ts` → `engine`; `src/cli.ts` → `cli`; `stages/x.ts` → `stages`. */
function subsystemOf(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'stages') return 'stages';
  if (parts[0] === 'src' && parts.length === 2) return parts[1]!.replace(/\.ts$/, '');
  return parts[1] ?? path;
}

const files = [...sourceFiles(join(REPO_ROOT, 'src')), ...sourceFiles(join(REPO_ROOT, 'stages'))];
const imports = files.flatMap(importsOf);

test('every subsystem of src/ is in the table (a new folder must say what it may import)', () => {
  const subsystems = new Set(files.map((file) => subsystemOf(relative(REPO_ROOT, file))));
  assert.equal([...subsystems].filter((name) => !(name in ALLOWED)).sort(), []);
});

test('imports run one way between subsystems, and stages import only the stage API and the domain folders', () => {
  const forbidden: string[] = [];
  for (const { from, to, specifier, typeOnly } of imports) {
    const source = subsystemOf(from);
    const target = subsystemOf(to);
    if (source === target || target === 'util') continue;
    const allowed = ALLOWED[source]?.[target];
    const files = ONLY_FILES[source]?.[target];
    const ok = allowed === 'any' || (allowed === 'types' && typeOnly);
    if (!ok)
      forbidden.push(
        `${from} imports '${specifier}': ${source} → ${target}${allowed === 'types' ? ' (only types may be imported)' : ''} is not allowed`,
      );
    else if (files && !files.includes(to))
      forbidden.push(`${from} imports '${specifier}': ${source} may use only ${files.join(', ')} of ${target}`);
  }
  assert.equal(forbidden, []);
});

test('no import cycles, type-only imports included', () => {
  const graph = new Map<string, string[]>();
  for (const { from, to } of imports) graph.set(from, [...(graph.get(from) ?? []), to]);
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'visiting');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' → '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  assert.equal(cycles, []);
});

test('only cli.ts (and the sandbox, which runs child processes) touches process', () => {
  const offenders = files
    .map((file) => relative(REPO_ROOT, file))
    .filter(
      (file) =>
        !PROCESS_ALLOWED.includes(file) &&
        /(?<![\w.])process\.(?!env\b)|(?<![\w.])process\.env\b/.test(
          withoutComments(readFileSync(join(REPO_ROOT, file), 'utf8')),
        ),
    );
  assert.equal(offenders, []);
});

function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

test.run();
