// Relative times in sample SQL resolve against the world clock; wall-clock SQL is found and pinned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Database from 'better-sqlite3';
import { parseWorldClock } from '../src/config/world-clock.js';
import { evaluatePlaceholder, resolveWorldClock } from '../src/sqlite/time-placeholders.js';
import { findWallClockSql, pinWallClockSql } from '../src/sqlite/wall-clock-sql.js';
import { describeWorldClock, timePlaceholderGuide } from '../src/synthesis/time-placeholder-guide.js';

const CLOCK = parseWorldClock('2026-03-02T09:00:00Z')!;

function resolved(text: string): string {
  const result = resolveWorldClock(text, CLOCK);
  if (!result.ok) throw new Error(result.error.join('; '));
  return result.value;
}

test('now and offsets in seconds, minutes, hours, days and weeks become UTC timestamps', () => {
  assert.is(resolved("'{{now}}'"), "'2026-03-02 09:00:00'");
  assert.is(resolved("'{{now-3d}}'"), "'2026-02-27 09:00:00'");
  assert.is(resolved("'{{now+2h}}'"), "'2026-03-02 11:00:00'");
  assert.is(resolved("'{{now-45m}}'"), "'2026-03-02 08:15:00'");
  assert.is(resolved("'{{now-2w}}'"), "'2026-02-16 09:00:00'");
  assert.is(resolved("'{{now+30s}}'"), "'2026-03-02 09:00:30'");
});

test('today gives a date; offsets chain; spaces inside the braces are tolerated', () => {
  assert.is(resolved('{{today}}'), '2026-03-02');
  assert.is(resolved('{{today+7d}}'), '2026-03-09');
  assert.is(resolved('{{today-1w}}'), '2026-02-23');
  assert.is(resolved('{{now-1d+30m}}'), '2026-03-01 09:30:00');
  assert.is(resolved('{{ now - 400d }}'), '2025-01-26 09:00:00');
});

test('a world clock with an offset is read as the instant it names (UTC in the output)', () => {
  const clock = parseWorldClock('2026-03-02T10:00:00+01:00')!;
  const value = evaluatePlaceholder('now', clock);
  assert.equal(value, { ok: true, value: '2026-03-02 09:00:00' });
  assert.is(parseWorldClock('yesterday'), null);
  assert.is(parseWorldClock('2026-03-02'), null);
});

test('every placeholder in a statement is resolved, text around them untouched', () => {
  const sql = "INSERT INTO t (a, b, c) VALUES ('{{now-1d}}', 'x {{today}} y', 'plain')";
  assert.is(resolved(sql), "INSERT INTO t (a, b, c) VALUES ('2026-03-01 09:00:00', 'x 2026-03-02 y', 'plain')");
});

test('an unknown placeholder is an error that names it and says what is allowed', () => {
  const result = resolveWorldClock("VALUES ('{{yesterday}}', '{{now-3months}}', '{{now}}')", CLOCK);
  assert.not.ok(result.ok);
  if (result.ok) return;
  assert.is(result.error.length, 2);
  assert.match(result.error[0]!, /^unknown placeholder \{\{yesterday\}\}: write \{\{now\}\} or \{\{today\}\}/);
  assert.match(result.error[1]!, /^unknown placeholder \{\{now-3months\}\}/);
});

test('today refuses offsets below a day', () => {
  const result = evaluatePlaceholder('today+2h', CLOCK);
  assert.equal(result, {
    ok: false,
    error: 'placeholder {{today+2h}}: "today" takes whole days or weeks only (d, w); use {{now…}} for a time of day',
  });
});

test('wall-clock SQL is found in code, not in string data', () => {
  assert.equal(findWallClockSql('INSERT INTO t (a) VALUES (CURRENT_TIMESTAMP)'), ['CURRENT_TIMESTAMP']);
  assert.equal(findWallClockSql('INSERT INTO t (a, b) VALUES (current_date, CURRENT_TIME)'), [
    'current_date',
    'CURRENT_TIME',
  ]);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES (datetime('now', '-3 days'))"), ["datetime(… 'now' …)"]);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES (date('now'))"), ["date(… 'now' …)"]);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES (strftime('%Y-%m-%d', 'now'))"), ["strftime(… 'now' …)"]);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES (julianday('NOW'))"), ["julianday(… 'now' …)"]);
  assert.equal(findWallClockSql("INSERT INTO t (a, b) VALUES ('now', 'set CURRENT_TIMESTAMP here')"), []);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES (upper('now'))"), []);
  assert.equal(findWallClockSql("INSERT INTO t (a) VALUES ('{{now}}')"), []);
});

test('pinning replaces wall-clock readings with the world clock, and SQLite agrees with the result', () => {
  const pinned = pinWallClockSql(
    "SELECT datetime('now', '-3 days'), CURRENT_TIMESTAMP, CURRENT_DATE, 'now', date('now')",
    CLOCK,
  );
  assert.is(
    pinned,
    "SELECT datetime('2026-03-02 09:00:00', '-3 days'), '2026-03-02 09:00:00', '2026-03-02', 'now', date('2026-03-02 09:00:00')",
  );
  const db = new Database(':memory:');
  assert.equal(db.prepare(pinned).raw(true).get(), [
    '2026-02-27 09:00:00',
    '2026-03-02 09:00:00',
    '2026-03-02',
    'now',
    '2026-03-02',
  ]);
  const ddl = pinWallClockSql(
    'CREATE TABLE t (id INTEGER PRIMARY KEY, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)',
    CLOCK,
  );
  db.exec(ddl);
  db.exec('INSERT INTO t (id) VALUES (1)');
  assert.is(db.prepare('SELECT created_at FROM t').pluck().get(), '2026-03-02 09:00:00');
  db.close();
});

test('the prompt guide shows each example resolved against the clock', () => {
  assert.is(describeWorldClock(CLOCK), '2026-03-02 09:00:00 UTC (a Monday)');
  const guide = timePlaceholderGuide(CLOCK);
  assert.match(guide, /'\{\{now-3d\}\}'\s+→ '2026-02-27 09:00:00'\s+three days ago/);
  assert.match(guide, /'\{\{today\+7d\}\}'\s+→ '2026-03-09'/);
  assert.not.match(guide, /\?/);
});

test.run();
