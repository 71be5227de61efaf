// The spec stage's check: valid, unique tool names; object input schemas that compile; examples
// that validate; tables that exist in the schema.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkSpec, type ToolSpec } from '../stages/spec.js';

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
  output_description: '{ books: [{ id, title }] }',
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
  output_description: '{ cart_item: { id, book_id, quantity } }',
  tables_read: ['books'],
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
  assert.equal(errorsOf([bad]), [
    'tool search_books: example 2 {"limit":500,"author":"x"} does not match input_schema: ' +
      "(arguments) must have required property 'query'; (arguments) must NOT have additional properties ('author'); /limit must be <= 50",
  ]);
});

test('an input schema must be an object schema that compiles', () => {
  assert.equal(errorsOf([{ ...searchBooks, input_schema: { type: 'string' } }]), [
    'tool search_books: input_schema must have "type": "object" (tool arguments are a JSON object)',
  ]);
  const broken = errorsOf([
    { ...searchBooks, input_schema: { type: 'object', properties: { query: { type: 'text' } } } },
  ]);
  assert.is(broken.length, 1);
  assert.match(broken[0]!, /^tool search_books: input_schema is not a valid JSON Schema: /);
});

test('tables must exist in the schema, spelled as there', () => {
  assert.equal(errorsOf([{ ...addToCart, tables_written: ['carts', 'Cart_Items'] }]), [
    'tool add_to_cart: names table "carts", which is not in the schema (tables: books, authors, cart_items)',
    'tool add_to_cart: names table "Cart_Items"; the schema spells it "cart_items"',
  ]);
});

test('two tools may carry the same $id in their schemas', () => {
  const withId = (tool: ToolSpec): ToolSpec => ({ ...tool, input_schema: { ...tool.input_schema, $id: 'args' } });
  assert.equal(errorsOf([withId(searchBooks), withId(addToCart)]), []);
});

test.run();
