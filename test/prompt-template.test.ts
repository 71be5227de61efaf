// Prompt templates: placeholders, comments (which never reach a request), and the error for a value
// the stage did not pass.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePromptTemplate } from '../src/stage-api/prompt-template.js';

const promptPlaceholders = (text: string): readonly string[] => parsePromptTemplate('', text).placeholders;

test('placeholders are replaced, with or without inner spaces, dots allowed', () => {
  const template = parsePromptTemplate(
    'prompts/tasks.md',
    'Scenario {{scenario}}: {{ scenario.description }} ({{count}} tasks, {{count}} max)\n',
  );
  assert.is(template.file, 'prompts/tasks.md');
  assert.is(
    template.render({ scenario: 'shop', 'scenario.description': 'an online shop', count: '10' }),
    'Scenario shop: an online shop (10 tasks, 10 max)\n',
  );
  assert.equal(template.placeholders, ['scenario', 'scenario.description', 'count']);
});

test('values are inserted as they are, never expanded again', () => {
  const template = parsePromptTemplate('p.md', 'Q: {{question}}');
  assert.is(template.render({ question: 'what is {{secret}}? $& $1' }), 'Q: what is {{secret}}? $& $1');
});

test('comments are removed; a comment alone on its lines takes its lines with it', () => {
  const text = [
    '{{! written for gpt-4.1;',
    '    keep it short }}',
    'Line one {{! inline }}stays',
    '  {{! indented note }}  ',
    'Line two {{name}}',
    '{{! last }}',
  ].join('\n');
  const template = parsePromptTemplate('p.md', text);
  assert.is(template.render({ name: 'x' }), 'Line one stays\nLine two x\n');
  assert.equal(template.placeholders, ['name']);
});

test('editing a comment changes nothing rendered', () => {
  const before = parsePromptTemplate('p.md', 'A {{! v1 }}\n{{! note one }}\nB {{x}}\n');
  const after = parsePromptTemplate('p.md', 'A {{! v2, reworded }}\n{{! note two, longer }}\nB {{x}}\n');
  assert.is(before.render({ x: '1' }), after.render({ x: '1' }));
});

test('a comment does not swallow text up to a later comment', () => {
  const template = parsePromptTemplate('p.md', '{{! a }} keep {{! b }}\n');
  assert.is(template.render({}), ' keep \n');
});

test('a missing value throws, naming the template file, line, column and placeholder', () => {
  const template = parsePromptTemplate('prompts/schema.md', '{{! header }}\nTables for {{scenario}}:\n  {{ tasks }}\n');
  assert.throws(
    () => template.render({ scenario: 'shop' }),
    (error: unknown) => {
      assert.instance(error, Error);
      assert.is(
        (error as Error).message,
        'prompts/schema.md:3:3: placeholder {{tasks}} has no value; the stage passed scenario',
      );
      return true;
    },
  );
  assert.throws(
    () => parsePromptTemplate('p.md', '{{a}}').render({}),
    /^p\.md:1:1: placeholder \{\{a\}\} has no value; the stage passed no values$/,
  );
});

test('text that is not a placeholder or comment is left as it is', () => {
  const text = 'JSON: {"a": {"b": 1}} and {{not a name}} and { {x} }';
  assert.is(parsePromptTemplate('p.md', text).render({}), text);
});

test('promptPlaceholders lists names in order of first use, ignoring comments', () => {
  assert.equal(promptPlaceholders('{{b}} {{! mentions c }} {{a}} {{b}}'), ['b', 'a']);
  assert.equal(promptPlaceholders('no placeholders'), []);
});

test.run();
