// The check every service runs before an operation: text PostgreSQL cannot store, found in any
// argument (literal or variable, nested in input objects and lists, in fragments), named by its
// argument path. End to end through the gateway: test/e2e/errors.test.ts.
import { buildSchema, getOperationAST, parse } from 'graphql';
import { findUnstorableText, unstorableText } from '../../../shared/server/storable-text';

const schema = buildSchema(`
  scalar Any
  input Item { productId: ID!, note: String, quantity: Int! }
  input Order { name: String!, items: [Item!]! }
  type Query {
    search(text: String, first: Int): [String!]!
    entities(representations: [Any!]!): [String]!
  }
  type Mutation { place(input: Order!, tags: [String!]): String }
`);

/** The `field` and message of the error for `query` with `variables`, or undefined when there is none. */
function check(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const error = findUnstorableText(schema, document, getOperationAST(document)!, variables);
  return error && { field: error.extensions.field, code: error.extensions.code, message: error.message };
}

describe('unstorable text', () => {
  it('should tell NUL characters and unpaired surrogates from any other text', () => {
    expect(unstorableText('a\u0000b')).toBe('a NUL character (U+0000)');
    expect(unstorableText('x\ud800')).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableText('\udc00x')).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableText('\udc00\ud800')).toBe('an unpaired UTF-16 surrogate');
    expect(unstorableText('Lamp 💡, café, \t\n, ✓')).toBeUndefined();
  });

  it('should find it in a variable, named by the argument path, nested fields and list indexes included', () => {
    const place = `mutation ($input: Order!) { place(input: $input) }`;
    const input = { name: 'Order', items: [{ productId: '1', quantity: 1 }] };
    expect(check(place, { input: { ...input, name: 'Or\u0000der' } })).toEqual({
      field: 'input.name',
      code: 'BAD_USER_INPUT',
      message: 'input.name contains a NUL character (U+0000), which cannot be stored; remove it.',
    });
    expect(
      check(place, { input: { ...input, items: [input.items[0], { productId: '2', quantity: 1, note: '\ud83d' }] } }),
    ).toMatchObject({ field: 'input.items[1].note', message: expect.stringMatching(/unpaired UTF-16 surrogate/) });
    expect(check(place, { input })).toBeUndefined();
  });

  it('should find it in literals and in variables inside literals, also in fragments', () => {
    expect(check(`{ search(text: "a\\u0000b") }`)).toMatchObject({ field: 'text' });
    expect(check(`mutation { place(input: { name: "ok", items: [] }, tags: ["x", "\\u0000"]) }`)).toMatchObject({
      field: 'tags[1]',
    });
    expect(
      check(`mutation ($id: ID!) { place(input: { name: "ok", items: [{ productId: $id, quantity: 1 }] }) }`, { id: '\u0000' }),
    ).toMatchObject({ field: 'input.items[0].productId' });
    expect(check(`query ($t: String) { ...F } fragment F on Query { search(text: $t) }`, { t: '\u0000' })).toMatchObject({
      field: 'text',
    });
  });

  it('should look inside scalars that take objects, such as federation representations', () => {
    const query = `query ($r: [Any!]!) { entities(representations: $r) }`;
    expect(
      check(query, {
        r: [
          { __typename: 'Product', id: '1' },
          { __typename: 'Product', id: '2\u0000' },
        ],
      }),
    ).toMatchObject({
      field: 'representations[1].id',
    });
  });

  it('should leave alone operations that are not run and values that are not text', () => {
    const document = parse(`query Other { search(text: "\\u0000") } query Run ($first: Int) { search(first: $first) }`);
    expect(findUnstorableText(schema, document, getOperationAST(document, 'Run')!, { first: 3 })).toBeUndefined();
  });
});
