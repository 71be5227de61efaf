import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { FileHash, FingerprintHash, InstanceKey } from '../src/util/brand.js';
import type { LockEntry } from '../src/engine/lock-file.js';
import { parseLock, serializeLock } from '../src/engine/lock-file.js';

const Lock = suite('lock file');

const entry = (instance: string, fingerprint: string): LockEntry => ({
  instance: instance as InstanceKey,
  fingerprint: fingerprint as FingerprintHash,
  outputs: { b: 'bb' as FileHash, a: 'aa' as FileHash },
  parts: { code: 'c', prompts: {}, model: null, params: { z: 1, a: 2 }, world_clock: null, inputs: {} },
});

Lock('serializes sorted by instance, one line each, keys canonical, and parses back', () => {
  const text = serializeLock(
    new Map([entry('beta:tasks', 'f2'), entry('alpha:tasks', 'f1')].map((value) => [value.instance, value])),
  );
  const lines = text.trim().split('\n');
  assert.is(lines.length, 3);
  assert.match(
    lines[1] ?? '',
    /^\{"instance":"alpha:tasks","fingerprint":"f1","outputs":\{"a":"aa","b":"bb"\},"parts":\{"code":"c",/,
  );
  assert.match(lines[1] ?? '', /"params":\{"a":2,"z":1\}/);
  const parsed = parseLock(text, 'awm.lock');
  assert.ok(parsed.ok);
  if (parsed.ok) assert.equal([...parsed.value.keys()], ['alpha:tasks', 'beta:tasks']);
});

Lock('a line broken by a merge is reported with its line number and what to do', () => {
  const text = `${serializeLock(new Map([entry('a', 'f')].map((value) => [value.instance, value])))}<<<<<<< HEAD\n`;
  const parsed = parseLock(text, 'awm.lock');
  assert.not.ok(parsed.ok);
  if (!parsed.ok)
    assert.is(
      parsed.error,
      "awm.lock:3: not a JSON line. The lock is written by `awm build`; if a merge broke it, take either side's line (or delete the line) and run `awm build`.",
    );
});

Lock('a JSON line that is not an entry is refused', () => {
  const parsed = parseLock('{"awm_lock":1}\n{"instance":"x"}\n', 'awm.lock');
  assert.not.ok(parsed.ok);
  if (!parsed.ok) assert.match(parsed.error, /^awm\.lock:2: not a lock entry/);
});

Lock.run();
