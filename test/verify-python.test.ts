// The reference pipeline's Python verifiers through verifyRun, run by python3 in the real sandbox:
// verdicts as for JavaScript ones; a verifier that raises, hangs or answers the wrong shape gives
// `reward: null`, never 0; it works on copies, so the run's databases stay as they were even when
// it writes (and the originals cannot be written at all in the namespace); it reaches no network and
// no credentials; without python3, verifying says that python3 is needed and how to get it.
import Database from 'better-sqlite3';
import { createServer, type Server } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { namespaceSupport } from '../src/sandbox/namespace-support.js';
import { sandboxRunner } from '../src/sandbox/run-sandboxed.js';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { runFactGatherer } from '../src/verify/run-verifier.js';
import { readVerifierFile } from '../src/verify/verifier-file.js';
import { verifyRun, type VerifyRunInput } from '../src/verify/verify-run.js';
import type { CodeVerifyResult } from '../src/verify/verify-result.js';
import {
  STOCK_FACTS_PYTHON,
  writePythonVerifier,
  writeRun,
  type PythonVerifierOverrides,
} from './support/verify-fixture.js';

const folder = mkdtempSync(join(tmpdir(), 'awm-verify-python-'));
const sandbox = sandboxRunner({});
const clock = (): Date => new Date('2026-11-30T12:00:00.000Z');
let count = 0;

const python = await findPython();
if (!python.ok) console.log(`  skipped: the Python verifier runs (${python.error})`);

async function verify(
  run: Parameters<typeof writeRun>[1] = {},
  verifier: PythonVerifierOverrides = {},
  extra: Partial<VerifyRunInput> = {},
): Promise<CodeVerifyResult & { dir: string }> {
  count += 1;
  const dir = writeRun(join(folder, `run_${count}`), run);
  const verifierPath = writePythonVerifier(join(folder, `verifier_${count}.json`), verifier);
  const outcome = await verifyRun({ mode: 'code', run: dir, verifierPath, sandbox, clock, ...extra });
  if (!outcome.ok) throw new Error(`setup problem: ${outcome.error.message}`);
  return { ...(outcome.value as CodeVerifyResult), dir };
}

function stockIn(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT stock FROM books WHERE id = 1').get() as { stock: number }).stock;
  } finally {
    db.close();
  }
}

const pythonTest = python.ok ? test : test.skip;

test('readVerifierFile takes a Python verifier: its language, function and source', () => {
  const path = writePythonVerifier(join(folder, 'read.json'));
  const file = readVerifierFile(path);
  assert.ok(file.ok);
  if (!file.ok) return;
  assert.equal(
    [file.value.language, file.value.functionName, file.value.source, file.value.factGatherer],
    ['python', 'verify_task_completion', { file: 'gen_verifier.jsonl', line: 1, mode: 'code' }, ''],
  );
  const unexplained = readVerifierFile(writePythonVerifier(join(folder, 'no-reasoning.json'), { reasoning: '' }));
  assert.equal(unexplained.ok ? unexplained.value.reasoning : unexplained.error.message, '');
  const bad = writePythonVerifier(join(folder, 'bad.json'), { code_verifier: '', function_name: 'not a name' });
  const refused = readVerifierFile(bad);
  assert.equal(
    refused.ok ? null : refused.error.message,
    `${bad} is not a verifier of the verifier stage: "function_name" must be the Python function's name, such as "verify_task_completion"; ` +
      '"code_verifier" and "fact_gatherer" are both empty: there is nothing to run',
  );
});

pythonTest('a Python verifier that says complete: reward 1, with its reason', async () => {
  const result = await verify();
  assert.equal([result.result, result.reason, result.reward, result.error], ['complete', 'one copy sold', 1, null]);
});

pythonTest('one that says others: reward 0', async () => {
  const result = await verify({ finalStock: 4 });
  assert.equal(
    [result.result, result.reason, result.reward, result.reward_reason],
    ['others', 'stock is 4', 0, 'others'],
  );
});

pythonTest('the final answer is the third argument; a function taking two gets two', async () => {
  const answer = `def verify_task_completion(initial_db_path, final_db_path, final_answer):
    return {"result": "complete" if "order 7" in (final_answer or "") else "others", "reason": final_answer}
`;
  assert.is((await verify({}, { code_verifier: answer })).result, 'complete');
  assert.is((await verify({ finalAnswer: null }, { code_verifier: answer })).reason, '');
  const two = 'def verify_task_completion(initial_db_path, final_db_path):\n    return {"result": "others"}\n';
  assert.is((await verify({}, { code_verifier: two })).result, 'others');
});

pythonTest('one that raises: reward null, verifier_error with the exception and its line', async () => {
  const raises = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    rows = []
    raise ValueError("no such column: qty")
`;
  const result = await verify({}, { code_verifier: raises });
  assert.equal([result.result, result.reward, result.reward_reason], [null, null, 'verifier_error']);
  assert.is(result.error?.code, 'verifier_error');
  assert.match(result.error?.message ?? '', /^the verifier raised ValueError: no such column: qty\nTraceback/);
  assert.match(result.error?.message ?? '', /line 3, in verify_task_completion\n\s+raise ValueError/);
});

pythonTest('a wrong shape, a syntax error, a missing function: verifier_error, never 0', async () => {
  const shape = await verify({}, { code_verifier: 'def verify_task_completion(a, b, c):\n    return "complete"\n' });
  assert.equal(
    [shape.reward, shape.error?.message],
    [null, 'the verifier must return {"result": "complete" | "others"}, not "complete"'],
  );
  const syntax = await verify({}, { code_verifier: 'def verify_task_completion(a, b, c)\n    return 1\n' });
  assert.is(syntax.reward, null);
  assert.match(syntax.error?.message ?? '', /^the verifier does not load: SyntaxError/);
  const missing = await verify({}, { function_name: 'verify_other' });
  assert.equal([missing.reward, missing.error?.message], [null, 'the verifier defines no function verify_other']);
});

pythonTest('one that loops is stopped at the time limit: reward null, verifier_error', async () => {
  const started = Date.now();
  const loops = 'def verify_task_completion(a, b, c=None):\n    while True:\n        pass\n';
  const result = await verify({}, { code_verifier: loops }, { limits: { timeoutMs: 1500 } });
  const took = Date.now() - started;
  assert.ok(took < 6000, `stopped after ${took} ms`);
  assert.equal([result.reward, result.error?.code], [null, 'verifier_error']);
  assert.match(result.error?.message ?? '', /stopped after 1500 ms, its time limit/);
});

pythonTest('one that writes: its copies take it, the run’s databases stay as they were', async () => {
  // It lowers the stock in the copy it is given (which would make it "complete"), then finds the
  // original's path on the harness's stack and tries that too.
  const writes = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    import inspect
    conn = sqlite3.connect(final_db_path)
    conn.execute("UPDATE books SET stock = 3 WHERE id = 1")
    conn.commit()
    conn.close()
    original = next(f.frame.f_locals["case"]["finalPath"] for f in inspect.stack() if "case" in f.frame.f_locals)
    try:
        conn = sqlite3.connect(original)
        conn.execute("UPDATE books SET stock = 3 WHERE id = 1")
        conn.commit()
        outcome = "wrote the original"
    except Exception as error:
        outcome = "refused: %s" % error
    return {"result": "others", "reason": outcome}
`;
  const result = await verify({ finalStock: 4 }, { code_verifier: writes });
  assert.is(stockIn(join(result.dir, 'initial.db')), 4);
  const support = await namespaceSupport(process.execPath);
  if (!support.available) {
    console.log(`  note: no namespaces here (${support.reason}); the original's write is not contained`);
    return;
  }
  assert.is(stockIn(join(result.dir, 'final.db')), 4);
  assert.equal([result.result, result.reward], ['others', 0]);
  assert.match(result.reason ?? '', /^refused: (attempt to write a readonly database|unable to open database file)/);
});

pythonTest('no network and no credentials in its environment', async () => {
  const support = await namespaceSupport(process.execPath);
  let connections = 0;
  const server: Server = createServer((socket) => {
    connections += 1;
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  process.env['AWM_TEST_SECRET_KEY'] = 'sk-should-not-leak';
  const probe = `def verify_task_completion(initial_db_path, final_db_path, final_answer=None):
    import socket
    try:
        socket.create_connection(("127.0.0.1", ${port}), timeout=2).close()
        network = "connected"
    except OSError as error:
        network = "no network: %s" % error
    return {"result": "others", "reason": network + " | " + ",".join(sorted(os.environ))}
`;
  try {
    const result = await verify({}, { code_verifier: probe });
    const [network = '', names = ''] = (result.reason ?? '').split(' | ');
    assert.not.match(names, /AWM_TEST_SECRET_KEY|OPENAI|PATH/);
    if (support.available) {
      assert.is(connections, 0);
      assert.match(network, /^no network: \[Errno (101|111)\] (Network is unreachable|Connection refused)/);
    } else console.log(`  note: no namespaces here (${support.reason}); the network is not contained`);
  } finally {
    delete process.env['AWM_TEST_SECRET_KEY'];
    server.close();
  }
});

pythonTest('sql mode: the fact gatherer on the two databases, facts as JSON', async () => {
  const dir = writeRun(join(folder, 'facts_run'));
  const facts = await runFactGatherer(sandbox, {
    code: {
      language: 'python',
      source: STOCK_FACTS_PYTHON,
      functionName: 'verify_task',
      interpreter: python.ok ? python.value.path : '',
    },
    initialPath: join(dir, 'initial.db'),
    finalPath: join(dir, 'final.db'),
    worldClock: '2026-03-02T09:00:00Z',
  });
  assert.equal(facts, { ok: true, value: { stock_before: 4, stock_after: 3 } });
});

test('a mode the Python verifier lacks is a setup problem', async () => {
  const dir = writeRun(join(folder, 'mode_run'));
  const verifierPath = writePythonVerifier(join(folder, 'mode.json'), {
    code_verifier: '',
    fact_gatherer: STOCK_FACTS_PYTHON,
    function_name: 'verify_task',
  });
  const outcome = await verifyRun({ mode: 'code', run: dir, verifierPath, sandbox });
  assert.equal(outcome.ok ? null : outcome.error, {
    code: 'mode-unavailable',
    message: `${verifierPath} is a Python verifier without code mode (its "code_verifier" is empty); verify with --mode sql`,
  });
});

test('without python3: a setup problem saying python3 is needed and how to get it', async () => {
  const dir = writeRun(join(folder, 'no_python_run'));
  const verifierPath = writePythonVerifier(join(folder, 'no_python.json'));
  const outcome = await verifyRun({
    mode: 'code',
    run: dir,
    verifierPath,
    sandbox,
    python: { searchPath: join(folder, 'empty-bin') },
  });
  assert.equal(outcome.ok ? null : outcome.error.code, 'no-python');
  assert.is(
    outcome.ok ? null : outcome.error.message,
    `${verifierPath}: running this Python verifier needs \`python3\`, but it is not on PATH (${join(folder, 'empty-bin')}). ` +
      'Install Python 3.8 or newer (Debian/Ubuntu: `apt-get install python3`; Fedora: `dnf install python3`; ' +
      'macOS: `brew install python`; or https://www.python.org/downloads/) and put `python3` on PATH; ' +
      'the standard library is all it needs.',
  );
  const path = await verifyRun({
    mode: 'code',
    run: dir,
    verifierPath,
    sandbox,
    python: { command: '/nowhere/python3' },
  });
  assert.match(
    path.ok ? '' : path.error.message,
    /needs `\/nowhere\/python3`, but \/nowhere\/python3 is not an executable file/,
  );
});

test.after(() => rmSync(folder, { recursive: true, force: true }));

test.run();
