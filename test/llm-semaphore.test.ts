import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Semaphore } from '../src/util/semaphore.js';

test('a slot is handed to the next waiter when released, and released once only', async () => {
  const semaphore = new Semaphore(1);
  const first = await semaphore.acquire();
  let secondGranted = false;
  const second = semaphore.acquire().then((release) => {
    secondGranted = true;
    return release;
  });
  await Promise.resolve();
  assert.is(secondGranted, false);
  first?.();
  first?.();
  const release = await second;
  assert.is(semaphore.inUse, 1);
  release?.();
  assert.is(semaphore.inUse, 0);
});

test('a waiter whose signal aborts gives up without taking a slot', async () => {
  const semaphore = new Semaphore(1);
  const held = await semaphore.acquire();
  const controller = new AbortController();
  const waiting = semaphore.acquire(controller.signal);
  controller.abort();
  assert.is(await waiting, null);
  held?.();
  assert.is(semaphore.inUse, 0);
});

test.run();
