// Python children in the sandbox: the same frames and outcomes as Node children (ok, threw with the
// traceback, not JSON, timeout, out-of-memory, crashed), the same empty environment, and the
// namespaces' read-only file system. Skipped, saying why, where python3 is missing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaceSupport } from '../src/sandbox/namespace-support.js';
import { findPython } from '../src/sandbox/python-interpreter.js';
import { runSandboxed, type SandboxOptions } from '../src/sandbox/run-sandboxed.js';
import type { SandboxOutcome } from '../src/sandbox/sandbox-outcome.js';

const python = await findPython();
const namespaces = await namespaceSupport(process.execPath);
if (!python.ok) console.log(`  skipped: Python children (${python.error})`);
const pythonTest = python.ok ? test : test.skip;

function run(entrySource: string, input: unknown, options: SandboxOptions = {}): Promise<SandboxOutcome<unknown>> {
  return runSandboxed({ python: { interpreter: python.ok ? python.value.path : '', entrySource }, input }, options);
}

pythonTest('ok: run(input, context) answers JSON; the scratch folder is the context', async () => {
  const outcome = await run(
    'import os\ndef run(input, context):\n    return {"twice": input["n"] * 2, "scratch": os.path.isdir(context["scratchDir"])}\n',
    { n: 21 },
  );
  assert.equal([outcome.kind, outcome.kind === 'ok' ? outcome.value : null], ['ok', { twice: 42, scratch: true }]);
});

pythonTest('threw: the exception, its type and traceback; a value that is not JSON', async () => {
  const threw = await run('def run(input, context):\n    raise KeyError("orders")\n', null);
  assert.is(threw.kind, 'threw');
  if (threw.kind !== 'threw') return;
  assert.equal([threw.phase, threw.name, threw.message], ['run', 'KeyError', "'orders'"]);
  assert.match(threw.stack ?? '', /Traceback[\s\S]*KeyError: 'orders'/);
  const notJson = await run('def run(input, context):\n    return {"x": {1, 2}}\n', null);
  assert.equal(notJson.kind === 'threw' ? [notJson.phase, notJson.message] : notJson.kind, [
    'return',
    'the entry returned a value that is not JSON: Object of type set is not JSON serializable',
  ]);
});

pythonTest('the time limit, the memory limit, and an exit without answering', async () => {
  const loops = await run('def run(input, context):\n    while True:\n        pass\n', null, { timeoutMs: 1000 });
  assert.equal([loops.kind, loops.kind === 'timeout' ? loops.limitMs : null], ['timeout', 1000]);
  const eats = await run('def run(input, context):\n    return len(bytearray(2 * 1024 ** 3))\n', null, {
    memoryMb: 64,
  });
  assert.is(eats.kind, 'out-of-memory');
  const exits = await run('import os\ndef run(input, context):\n    os._exit(3)\n', null);
  assert.equal(exits.kind === 'crashed' ? [exits.exitCode, exits.signal] : exits.kind, [3, null]);
});

pythonTest('an empty environment, and no writes outside the scratch folder in the namespace', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'awm-sandbox-python-'));
  try {
    const outcome = await run(
      'import os\ndef run(input, context):\n' +
        '    try:\n        open(os.path.join(input, "escaped.txt"), "w").write("x")\n        wrote = "wrote"\n' +
        '    except OSError as error:\n        wrote = error.strerror\n' +
        '    return {"env": sorted(os.environ), "wrote": wrote}\n',
      folder,
    );
    assert.is(outcome.kind, 'ok');
    const value = (outcome.kind === 'ok' ? outcome.value : {}) as { env: string[]; wrote: string };
    assert.equal(
      value.env.filter((name) => name !== 'PWD' && name !== 'LC_CTYPE'),
      ['HOME', 'SQLITE_TMPDIR', 'TMPDIR', 'TZ'],
    );
    if (!namespaces.available) return console.log(`  note: no namespaces here (${namespaces.reason})`);
    assert.is(value.wrote, 'Read-only file system');
    assert.is(existsSync(join(folder, 'escaped.txt')), false);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test.run();
