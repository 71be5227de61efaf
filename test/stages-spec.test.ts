// The spec stage's check: valid, unique tool names; object input and output schemas that compile;
// examples that validate; error codes from the vocabulary; tables that exist in the schema and are
// each read by some tool; a tool count in range.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSpec, normalizedSpec, type ToolSpec } from '../stages/spec.js';

const TABLES = ['books', 'authors', 'cart_items'];

const searchBooks: ToolSpec = {
  name: 'search_books',
  description: 'Search the catalogue by title or author.',
  input_schema: {
    type: 'object',
    properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 } },
    required: ['query'],
    additionalProperties: false,
  },
  examples: [{ query: 'Le Guin' }, { query: 'dune', limit: 5 }],
  output_schema: {
    type: 'object',
    properties: { books: { type: 'array', items: { type: 'object', properties: { id: { type: 'integer' } } } } },
    required: ['books'],
  },
  output_description: '{ books: [{ id, title }] }',
  errors: [],
  tables_read: ['books', 'authors'],
  tables_written: [],
};

const addToCart: ToolSpec = {
  name: 'add_to_cart',
  description: 'Adds copies of a book to the cart.',
  input_schema: {
    type: 'object',
    properties: { book_id: { type: 'integer' }, quantity: { type: 'integer', minimum: 1 } },
    required: ['book_id', 'quantity'],
  },
  examples: [{ book_id: 3, quantity: 2 }],
  output_schema: { type: 'object', properties: { cart_item: { type: 'object' } }, required: ['cart_item'] },
  output_description: '{ cart_item: { id, book_id, quantity } }',
  errors: [
    { code: 'not_found', when: 'no book has this id' },
    { code: 'limit_exceeded', when: 'more copies than in stock' },
  ],
  tables_read: ['books', 'cart_items'],
  tables_written: ['cart_items'],
};

function errorsOf(tools: ToolSpec[]): readonly string[] {
  const outcome = checkSpec({ tools }, TABLES);
  return outcome.ok ? [] : outcome.errors;
}

test('a valid spec passes', () => {
  assert.equal(checkSpec({ tools: [searchBooks, addToCart] }, TABLES), { ok: true });
});

test('no tools at all fails', () => {
  assert.equal(errorsOf([]), ['there are no tools; give the tools an agent needs for every task']);
});

test('names must be snake_case and unique; auth tools are refused', () => {
  assert.equal(
    errorsOf([{ ...searchBooks, name: 'SearchBooks' }, addToCart, addToCart, { ...addToCart, name: 'user_login' }]),
    [
      'tool SearchBooks: the name must be snake_case: a lower-case letter, then lower-case letters, digits or _ (at most 64)',
      'tool add_to_cart: the name is used twice; tool names must be unique',
      'tool user_login: authentication tools do not belong here; the agent acts as the signed-in user 1',
    ],
  );
  assert.equal(
    errorsOf([
      { ...searchBooks, name: 'register_for_event' },
      { ...addToCart, name: 'book_session' },
    ]),
    [],
  );
});

test('an example that does not match its input schema is reported with the ajv errors', () => {
  const bad = { ...searchBooks, examples: [{ query: 'ok' }, { limit: 500, author: 'x' }] };
  assert.equal(errorsOf([bad, addToCart]), [
    'tool search_books: example 2 {"limit":500,"author":"x"} does not match input_schema: ' +
      "(arguments) must have required property 'query'; (arguments) must NOT have additional properties ('author'); /limit must be <= 50",
  ]);
});

test('an input schema must be an object schema that compiles', () => {
  assert.equal(errorsOf([{ ...searchBooks, input_schema: { type: 'string' } }, addToCart]), [
    'tool search_books: input_schema must have "type": "object" (tool arguments are a JSON object)',
  ]);
  const broken = errorsOf([
    { ...searchBooks, input_schema: { type: 'object', properties: { query: { type: 'text' } } } },
    addToCart,
  ]);
  assert.is(broken.length, 1);
  assert.match(broken[0]!, /^tool search_books: input_schema: not a valid JSON Schema: /);
});

test('tables must exist in the schema; their letter case does not matter, and the written spec uses the schema spelling', () => {
  assert.equal(errorsOf([searchBooks, { ...addToCart, tables_written: ['carts', 'Cart_Items'] }]), [
    'tool add_to_cart: names table "carts", which is not in the schema (tables: books, authors, cart_items)',
  ]);
  const orders = { ...addToCart, tables_read: ['Orders'], tables_written: ['Orders'] };
  assert.equal(checkSpec({ tools: [orders] }, ['orders']), { ok: true });
  assert.equal(normalizedSpec({ tools: [orders] }, ['orders']).tools[0]!.tables_read, ['orders']);
});

test('every table must be read by some tool', () => {
  assert.equal(errorsOf([searchBooks, { ...addToCart, tables_read: ['books'] }]), [
    'no tool reads table "cart_items"; add a tool that lists or gets its rows, or name it in tables_read of the tool that does',
  ]);
});

test('an input schema may name draft-07 or 2020-12 as its $schema; an unknown dialect is fed back', () => {
  const draft07 = { ...searchBooks.input_schema, $schema: 'http://json-schema.org/draft-07/schema#' };
  assert.equal(errorsOf([{ ...searchBooks, input_schema: draft07 }, addToCart]), []);
  const draft2020 = { ...searchBooks.input_schema, $schema: 'https://json-schema.org/draft/2020-12/schema' };
  assert.equal(errorsOf([{ ...searchBooks, input_schema: draft2020 }, addToCart]), []);
  const odd = { ...searchBooks.input_schema, $schema: 'http://example.com/my-dialect' };
  assert.equal(errorsOf([{ ...searchBooks, input_schema: odd }, addToCart]), [
    'tool search_books: input_schema: "$schema" is "http://example.com/my-dialect"; leave it out, or name draft-07 or 2020-12',
  ]);
});

test('an output schema must be an object schema that compiles', () => {
  assert.equal(errorsOf([{ ...searchBooks, output_schema: { type: 'array' } }, addToCart]), [
    'tool search_books: output_schema must have "type": "object" (a successful result is a JSON object)',
  ]);
  const broken = errorsOf([
    { ...searchBooks, output_schema: { type: 'object', properties: { books: { type: 'list' } } } },
    addToCart,
  ]);
  assert.is(broken.length, 1);
  assert.match(broken[0]!, /^tool search_books: output_schema: not a valid JSON Schema: /);
});

test('an error code is listed once per tool', () => {
  const twice = {
    ...addToCart,
    errors: [...addToCart.errors, { code: 'not_found' as const, when: 'the cart is gone' }],
  };
  assert.equal(errorsOf([searchBooks, twice]), [
    'tool add_to_cart: lists error code not_found twice; give each code once, with every case in its "when"',
  ]);
});

test('the tool count must be within the range', () => {
  const outcome = checkSpec({ tools: [searchBooks, addToCart] }, TABLES, { min: 3, max: 40 });
  assert.equal(outcome.ok ? [] : outcome.errors, [
    'there are 2 tools; give at least 3, so that every table can be searched, read and changed the way the tasks and a real API need',
  ]);
  const few = checkSpec({ tools: [searchBooks, addToCart] }, TABLES, { min: 1, max: 1 });
  assert.equal(few.ok ? [] : few.errors, ['there are 2 tools; give at most 1, merging near-duplicates']);
});

test('two tools may carry the same $id in their schemas', () => {
  const withId = (tool: ToolSpec): ToolSpec => ({ ...tool, input_schema: { ...tool.input_schema, $id: 'args' } });
  assert.equal(errorsOf([withId(searchBooks), withId(addToCart)]), []);
});

test.run();
