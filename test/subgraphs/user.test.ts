import { createTestDatabases, type TestDatabases } from '../support/databases';
import { errorCodes, graphql, ok } from '../support/graphql';
import { startTestSubgraph, type TestSubgraph } from '../support/subgraphs';
import { userSubgraph } from '../../subgraphs/user/server';
import type { Db } from '../../subgraphs/user/db';

let databases: TestDatabases;
let subgraph: TestSubgraph<Db>;

beforeAll(async () => {
  databases = await createTestDatabases(['user']);
  subgraph = await startTestSubgraph(userSubgraph, databases.user);
});

afterAll(async () => {
  await subgraph?.close();
  await databases?.drop();
});

const CREATE = /* GraphQL */ `
  mutation ($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      email
      name
      role
      createdAt
    }
  }
`;

let emailCounter = 0;
function buildUserInput(overrides: Record<string, unknown> = {}) {
  emailCounter += 1;
  return { email: `user${emailCounter}@example.com`, name: `User ${emailCounter}`, ...overrides };
}

describe('user subgraph', () => {
  it('should create a user with a lower-cased email and the CUSTOMER role by default', async () => {
    const { createUser } = await ok(subgraph.url, CREATE, { input: buildUserInput({ email: 'Ada@Example.COM' }) });
    expect(createUser).toMatchObject({ email: 'ada@example.com', role: 'CUSTOMER' });
    expect(new Date(createUser.createdAt).getTime()).not.toBeNaN();
  });

  it('should reject a malformed email with BAD_USER_INPUT naming the field', async () => {
    const response = await graphql(subgraph.url, CREATE, { input: buildUserInput({ email: 'not-an-email' }) });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('email');
  });

  it('should reject a duplicate email, whatever its case, with CONFLICT', async () => {
    await ok(subgraph.url, CREATE, { input: buildUserInput({ email: 'twin@example.com' }) });
    const response = await graphql(subgraph.url, CREATE, { input: buildUserInput({ email: 'TWIN@example.com' }) });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(await subgraph.db.user.count({ where: { email: 'twin@example.com' } })).toBe(1);
  });

  it('should update only the fields given', async () => {
    const { createUser } = await ok(subgraph.url, CREATE, { input: buildUserInput({ name: 'Before' }) });
    const { updateUser } = await ok(
      subgraph.url,
      `mutation ($id: ID!) { updateUser(id: $id, input: { name: "After" }) { name email role } }`,
      { id: createUser.id },
    );
    expect(updateUser).toEqual({ name: 'After', email: createUser.email, role: 'CUSTOMER' });
  });

  it('should answer NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const query = `query ($id: ID!) { user(id: $id) { id } }`;
    const unknown = await graphql(subgraph.url, query, { id: '01920000-0000-7000-8000-000000000000' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(subgraph.url, query, { id: "1' OR '1'='1" });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('should delete a user, after which it is NOT_FOUND', async () => {
    const { createUser } = await ok(subgraph.url, CREATE, { input: buildUserInput() });
    await ok(subgraph.url, `mutation ($id: ID!) { deleteUser(id: $id) { id } }`, { id: createUser.id });
    const again = await graphql(
      subgraph.url,
      `
        mutation ($id: ID!) {
          deleteUser(id: $id) {
            id
          }
        }
      `,
      { id: createUser.id },
    );
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });

  it('should page through users with cursors, without gaps or repeats', async () => {
    for (let i = 0; i < 5; i += 1) await ok(subgraph.url, CREATE, { input: buildUserInput() });
    const query = `query ($after: String) { users(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    do {
      // any: a page's shape is checked by the assertions below.
      const { users }: { users: any } = await ok(subgraph.url, query, { after });
      total = users.totalCount;
      seen.push(...users.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = users.pageInfo.hasNextPage ? users.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('should reject a page size over the maximum and a forged cursor', async () => {
    const tooMany = await graphql(
      subgraph.url,
      `
        {
          users(first: 1000) {
            totalCount
          }
        }
      `,
    );
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
    const forged = await graphql(
      subgraph.url,
      `
        {
          users(after: "garbage") {
            totalCount
          }
        }
      `,
    );
    expect(errorCodes(forged)).toEqual(['BAD_USER_INPUT']);
  });

  it('should resolve entity references in one batched query, and unknown ones to null', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await ok(subgraph.url, CREATE, { input: buildUserInput() })).createUser.id);
    const { _entities } = await ok(
      subgraph.url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`,
      { r: [...ids, 'not-a-uuid', '01920000-0000-7000-8000-000000000000'].map((id) => ({ __typename: 'User', id })) },
    );
    expect(_entities).toEqual([...ids.map((id) => ({ id })), null, null]);
  });
});
