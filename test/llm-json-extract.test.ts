import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractJson } from '../src/llm/json-extract.js';

function extracted(text: string): { value: unknown; repairs: readonly string[] } {
  const result = extractJson(text);
  if (!result.ok) throw new Error(`expected JSON, got error: ${result.error}`);
  return result.value;
}

function problem(text: string): string {
  const result = extractJson(text);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.value)}`);
  return result.error;
}

test('clean JSON needs no repairs', () => {
  assert.equal(extracted('  {"tasks": ["a", "b"]}\n'), { value: { tasks: ['a', 'b'] }, repairs: [] });
});

test('a ```json fence with prose around it is removed and said so', () => {
  const answer = 'Here you go:\n```json\n{"tasks": ["a"]}\n```\nAnything else?';
  assert.equal(extracted(answer), { value: { tasks: ['a'] }, repairs: ['removed the ``` code fence'] });
});

test('prose before and after a bare object is ignored and said so', () => {
  assert.equal(extracted('Sure! {"a": 1} Hope this helps.'), {
    value: { a: 1 },
    repairs: ['ignored the text before the JSON', 'ignored the text after the JSON'],
  });
});

test('trailing commas and // and /* */ comments are removed', () => {
  const answer = '{\n  // the list\n  "tasks": ["a", "b",], /* done */\n  "n": 2,\n}';
  assert.equal(extracted(answer), {
    value: { tasks: ['a', 'b'], n: 2 },
    repairs: ['removed // and /* */ comments', 'removed trailing commas'],
  });
});

test('smart quotes around keys become plain quotes; smart quotes inside strings stay', () => {
  const answer = '{“title”: "Read “The Dispossessed” again"}';
  assert.equal(extracted(answer), {
    value: { title: 'Read “The Dispossessed” again' },
    repairs: ['replaced smart quotes (“ ”) with plain double quotes'],
  });
});

test('a // inside a string is text, not a comment', () => {
  assert.equal(extracted('{"url": "https://example.com/a",}'), {
    value: { url: 'https://example.com/a' },
    repairs: ['removed trailing commas'],
  });
});

test('raw line breaks inside strings are escaped', () => {
  assert.equal(extracted('{"code": "line one\nline two"}'), {
    value: { code: 'line one\nline two' },
    repairs: ['escaped raw line breaks or tabs inside strings'],
  });
});

test('braces in the prose before the answer do not hide it', () => {
  const result = extracted('The answer uses the {tasks} key:\n{"tasks": ["a"]}');
  assert.equal(result.value, { tasks: ['a'] });
});

test('a value nested inside broken JSON is never taken for the answer', () => {
  const message = problem('{"a": [1, 2] "b": 3}');
  assert.match(message, /^the answer is not valid JSON: /);
  assert.match(message, /near `/);
});

test('an answer that stops mid-way is reported as incomplete, not closed for it', () => {
  assert.match(problem('{"tasks": ["a", "b'), /^the JSON is incomplete: it ends before every \{ and \[ is closed/);
});

test('an empty answer and an answer without JSON are errors that say what to send', () => {
  assert.is(problem('  '), 'the answer was empty; reply with one JSON object');
  assert.is(problem('I cannot do that.'), 'the answer holds no JSON object (no `{` found); reply with one JSON object');
});

test.run();
