import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { schemaErrors } from '../src/llm/schema-errors.js';

const SCHEMA = {
  type: 'object',
  properties: {
    tables: {
      type: 'array',
      items: {
        type: 'object',
        properties: { name: { type: 'string' }, ddl: { type: 'string' }, kind: { enum: ['table', 'view'] } },
        required: ['name', 'ddl'],
        additionalProperties: false,
      },
    },
  },
  required: ['tables'],
};

test('every error is one line with a JSON pointer', () => {
  const value = {
    tables: [
      { name: 'a', ddl: 'x' },
      { name: 'b', ddl: 'y' },
      { name: 'c', ddl: 3, kind: 'index', extra: 1 },
    ],
  };
  assert.equal(schemaErrors(SCHEMA, value), [
    "/tables/2: must NOT have additional properties ('extra')",
    '/tables/2/ddl: must be string',
    '/tables/2/kind: must be equal to one of the allowed values: "table", "view"',
  ]);
});

test('problems with the whole answer are named as such', () => {
  assert.equal(schemaErrors(SCHEMA, {}), ["(the whole answer): must have required property 'tables'"]);
  assert.equal(schemaErrors(SCHEMA, { tables: [] }), []);
});

test.run();
