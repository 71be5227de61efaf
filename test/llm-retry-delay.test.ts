import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backoffMs, retryAfterMs } from '../src/llm/retry-delay.js';

const NOW = Date.parse('2026-03-02T09:00:00Z');

test('retry-after-ms wins over Retry-After', () => {
  assert.is(retryAfterMs(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW), 250);
});

test('Retry-After in seconds', () => {
  assert.is(retryAfterMs(new Headers({ 'retry-after': '2' }), NOW), 2000);
  assert.is(retryAfterMs(new Headers({ 'retry-after': '0.5' }), NOW), 500);
});

test('Retry-After as an HTTP date, and a date in the past means now', () => {
  assert.is(retryAfterMs(new Headers({ 'retry-after': 'Mon, 02 Mar 2026 09:00:03 GMT' }), NOW), 3000);
  assert.is(retryAfterMs(new Headers({ 'retry-after': 'Mon, 02 Mar 2026 08:00:00 GMT' }), NOW), 0);
});

test('absent or unreadable headers give null; huge waits are capped at five minutes', () => {
  assert.is(retryAfterMs(undefined, NOW), null);
  assert.is(retryAfterMs(new Headers(), NOW), null);
  assert.is(retryAfterMs(new Headers({ 'retry-after': 'soon' }), NOW), null);
  assert.is(retryAfterMs(new Headers({ 'retry-after': '86400' }), NOW), 300_000);
});

test('backoff doubles per retry, jitters between half and all of it, and is capped', () => {
  const options = { baseMs: 100, maxMs: 1000 };
  assert.is(
    backoffMs(1, options, () => 1),
    100,
  );
  assert.is(
    backoffMs(1, options, () => 0),
    50,
  );
  assert.is(
    backoffMs(3, options, () => 1),
    400,
  );
  assert.is(
    backoffMs(10, options, () => 1),
    1000,
  );
});

test.run();
