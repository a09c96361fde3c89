// Ids normalised where they enter a subgraph: what resolvers receive, whatever case a client or
// the gateway spelled an id in.
import { randomUUID } from 'node:crypto';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { graphql, parse } from 'graphql';
import { normalizeIdArguments } from '../../../shared/graphql/normalize-ids';

const typeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

  type Query {
    thing(id: ID!): Thing
    things(ids: [ID!]!, filter: Filter): [Thing!]!
  }

  input Filter {
    ownerId: ID
    label: String
    "An input that holds itself: normalised at every depth."
    and: Filter
  }

  type Thing @key(fields: "id") {
    id: ID!
    label: String
  }
`);

/** What each resolver was called with, for the test to look at. */
const seen: unknown[] = [];
const schema = normalizeIdArguments(
  buildSubgraphSchema([
    {
      typeDefs,
      resolvers: {
        Query: {
          thing: (_: unknown, args: { id: string }) => {
            seen.push(args);
            return { id: args.id };
          },
          things: (_: unknown, args: unknown) => {
            seen.push(args);
            return [];
          },
        },
        Thing: {
          __resolveReference: (reference: { id: string }) => {
            seen.push(reference);
            return reference;
          },
        },
      },
    },
  ]),
);

beforeEach(() => {
  seen.length = 0;
});

async function run(query: string, variableValues: Record<string, unknown>) {
  const result = await graphql({ schema, source: query, variableValues });
  expect(result.errors).toBeUndefined();
  return result.data;
}

describe('normalizeIdArguments', () => {
  const id = randomUUID();
  const upper = id.toUpperCase();

  it('should hand resolvers lower-case ids, and answer with them', async () => {
    expect(await run(`query ($id: ID!) { thing(id: $id) { id } }`, { id: upper })).toEqual({ thing: { id } });
    expect(seen).toEqual([{ id }]);
  });

  it('should normalise ids in lists and in input objects at any depth, and leave everything else alone', async () => {
    const other = randomUUID();
    await run(`query ($ids: [ID!]!, $filter: Filter) { things(ids: $ids, filter: $filter) { id } }`, {
      ids: [upper, other.toUpperCase(), 'not-an-id'],
      filter: { ownerId: upper, label: 'Mixed CASE', and: { ownerId: other.toUpperCase(), and: { ownerId: upper } } },
    });
    expect(seen).toEqual([
      {
        // An id that is not a UUID is left as written, for requireId to refuse in the client's spelling.
        ids: [id, other, 'not-an-id'],
        filter: { ownerId: id, label: 'Mixed CASE', and: { ownerId: other, and: { ownerId: id } } },
      },
    ]);
  });

  it("should normalise the ID keys of entity representations (the gateway's _entities calls)", async () => {
    const data = await run(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Thing { id } } }`,
      {
        representations: [{ __typename: 'Thing', id: upper }],
      },
    );
    expect(data).toEqual({ _entities: [{ id }] });
    expect(seen).toEqual([{ __typename: 'Thing', id }]);
  });
});
