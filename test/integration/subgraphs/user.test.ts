import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { customer } from '../../support/auth';
import { errorCodes, graphql, ok, type Endpoint } from '../../support/graphql';
import { statementCount } from '../../support/metrics';
import { startTestSubgraph, type TestSubgraph } from '../../support/subgraphs';
import { userSubgraph } from '../../../subgraphs/user/server';
import type { Db } from '../../../subgraphs/user/db';

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
const USER = `query ($id: ID!) { user(id: $id) { id name } }`;
const UPDATE = `mutation ($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id name role } }`;
const DELETE = `mutation ($id: ID!) { deleteUser(id: $id) { id } }`;
const USERS = `{ users(first: 5) { totalCount edges { node { id } } } }`;
const ENTITIES = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }`;

let emailCounter = 0;
function buildUserInput(overrides: Record<string, unknown> = {}) {
  emailCounter += 1;
  return { email: `user${emailCounter}@example.com`, name: `User ${emailCounter}`, ...overrides };
}

/** A customer account (made by an administrator) and the endpoint that acts as it. */
async function createCustomer(): Promise<{ id: string; name: string; as: Endpoint }> {
  const { createUser } = await ok(subgraph.admin, CREATE, { input: buildUserInput() });
  return { id: createUser.id, name: createUser.name, as: subgraph.as(customer(createUser.id)) };
}

const entities = (ids: string[]) => ids.map((id) => ({ __typename: 'User', id }));

describe('user subgraph', () => {
  it('should create a user with a lower-cased email and the CUSTOMER role by default', async () => {
    const { createUser } = await ok(subgraph.admin, CREATE, { input: buildUserInput({ email: 'Ada@Example.COM' }) });
    expect(createUser).toMatchObject({ email: 'ada@example.com', role: 'CUSTOMER' });
    expect(new Date(createUser.createdAt).getTime()).not.toBeNaN();
  });

  it('should reject a malformed email with BAD_USER_INPUT naming the field', async () => {
    const response = await graphql(subgraph.admin, CREATE, { input: buildUserInput({ email: 'not-an-email' }) });
    expect(errorCodes(response)).toEqual(['BAD_USER_INPUT']);
    expect(response.errors?.[0]?.extensions?.field).toBe('email');
  });

  it('should reject a duplicate email, whatever its case, with CONFLICT', async () => {
    await ok(subgraph.admin, CREATE, { input: buildUserInput({ email: 'twin@example.com' }) });
    const response = await graphql(subgraph.admin, CREATE, { input: buildUserInput({ email: 'TWIN@example.com' }) });
    expect(errorCodes(response)).toEqual(['CONFLICT']);
    expect(await subgraph.db.user.count({ where: { email: 'twin@example.com' } })).toBe(1);
  });

  it('should update only the fields given', async () => {
    const { createUser } = await ok(subgraph.admin, CREATE, { input: buildUserInput({ name: 'Before' }) });
    const { updateUser } = await ok(
      subgraph.admin,
      `mutation ($id: ID!) { updateUser(id: $id, input: { name: "After" }) { name email role } }`,
      { id: createUser.id },
    );
    expect(updateUser).toEqual({ name: 'After', email: createUser.email, role: 'CUSTOMER' });
  });

  it('should answer NOT_FOUND for an unknown id and BAD_USER_INPUT for a malformed one', async () => {
    const unknown = await graphql(subgraph.admin, USER, { id: '01920000-0000-7000-8000-000000000000' });
    expect(errorCodes(unknown)).toEqual(['NOT_FOUND']);
    const malformed = await graphql(subgraph.admin, USER, { id: "1' OR '1'='1" });
    expect(errorCodes(malformed)).toEqual(['BAD_USER_INPUT']);
  });

  it('should delete a user, after which it is NOT_FOUND', async () => {
    const { createUser } = await ok(subgraph.admin, CREATE, { input: buildUserInput() });
    await ok(subgraph.admin, DELETE, { id: createUser.id });
    const again = await graphql(subgraph.admin, DELETE, { id: createUser.id });
    expect(errorCodes(again)).toEqual(['NOT_FOUND']);
  });

  it('should page through users with cursors, without gaps or repeats', async () => {
    for (let i = 0; i < 5; i += 1) await ok(subgraph.admin, CREATE, { input: buildUserInput() });
    const query = `query ($after: String) { users(first: 2, after: $after) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let total: number;
    do {
      // any: a page's shape is checked by the assertions below.
      const { users }: { users: any } = await ok(subgraph.admin, query, { after });
      total = users.totalCount;
      seen.push(...users.edges.map((edge: { node: { id: string } }) => edge.node.id));
      after = users.pageInfo.hasNextPage ? users.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it('should carry on after a cursor whose user was deleted, without gaps or repeats', async () => {
    const created: string[] = [];
    for (let i = 0; i < 4; i += 1) created.push((await ok(subgraph.admin, CREATE, { input: buildUserInput() })).createUser.id);
    const page = `query ($first: Int, $after: String) { users(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } } }`;
    // any: a page's shape is checked by the assertions below.
    const ids = (users: any): string[] => users.edges.map((edge: { node: { id: string } }) => edge.node.id);
    const { users: everyone } = await ok(subgraph.admin, page, { first: 100 });
    expect(everyone.pageInfo.hasNextPage).toBe(false);
    const cursor = everyone.edges.find((edge: { node: { id: string } }) => edge.node.id === created[0]).cursor;

    await ok(subgraph.admin, DELETE, { id: created[0] });
    const { users: next } = await ok(subgraph.admin, page, { first: 2, after: cursor });
    expect(ids(next)).toEqual(created.slice(1, 3));
  });

  it('should reject a page size over the maximum and a forged cursor', async () => {
    const tooMany = await graphql(
      subgraph.admin,
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
      subgraph.admin,
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
    for (let i = 0; i < 3; i += 1) ids.push((await ok(subgraph.admin, CREATE, { input: buildUserInput() })).createUser.id);
    const before = await statementCount(subgraph.url);
    const { _entities } = await ok(subgraph.admin, ENTITIES, {
      r: entities([...ids, 'not-a-uuid', '01920000-0000-7000-8000-000000000000']),
    });
    expect(_entities).toEqual([...ids.map((id) => ({ id })), null, null]);
    expect((await statementCount(subgraph.url)) - before).toBe(1);
  });
});

describe('user subgraph rules', () => {
  it('should let a customer read their own account', async () => {
    const self = await createCustomer();
    const { user } = await ok(self.as, USER, { id: self.id });
    expect(user).toEqual({ id: self.id, name: self.name });
  });

  it("should answer NOT_FOUND for another customer's account, as for one that does not exist", async () => {
    const [self, other] = [await createCustomer(), await createCustomer()];
    const response = await graphql(self.as, USER, { id: other.id });
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    const unknown = await graphql(self.as, USER, { id: '01920000-0000-7000-8000-000000000000' });
    expect(unknown.errors?.[0]?.message).toBe(
      response.errors?.[0]?.message.replace(other.id, '01920000-0000-7000-8000-000000000000'),
    );
  });

  it('should let an administrator read any account', async () => {
    const someone = await createCustomer();
    const { user } = await ok(subgraph.admin, USER, { id: someone.id });
    expect(user.id).toBe(someone.id);
  });

  it('should answer UNAUTHENTICATED to an anonymous caller reading an account', async () => {
    const someone = await createCustomer();
    expect(errorCodes(await graphql(subgraph.url, USER, { id: someone.id }))).toEqual(['UNAUTHENTICATED']);
  });

  it('should list users for administrators only: FORBIDDEN for customers, UNAUTHENTICATED anonymously', async () => {
    const self = await createCustomer();
    const { users } = await ok(subgraph.admin, USERS);
    expect(users.totalCount).toBeGreaterThan(0);
    expect(errorCodes(await graphql(self.as, USERS))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(subgraph.url, USERS))).toEqual(['UNAUTHENTICATED']);
  });

  it('should let only administrators create users', async () => {
    const self = await createCustomer();
    const input = buildUserInput();
    expect(errorCodes(await graphql(self.as, CREATE, { input }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(subgraph.url, CREATE, { input }))).toEqual(['UNAUTHENTICATED']);
    expect(await subgraph.db.user.count({ where: { email: input.email } })).toBe(0);
    const { createUser } = await ok(subgraph.admin, CREATE, { input: { ...input, role: 'ADMIN' } });
    expect(createUser).toMatchObject({ email: input.email, role: 'ADMIN' });
  });

  it('should let only administrators delete users', async () => {
    const [self, other] = [await createCustomer(), await createCustomer()];
    expect(errorCodes(await graphql(self.as, DELETE, { id: other.id }))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await graphql(self.as, DELETE, { id: self.id }))).toEqual(['FORBIDDEN']);
    expect(await subgraph.db.user.count({ where: { id: { in: [self.id, other.id] } } })).toBe(2);
    await ok(subgraph.admin, DELETE, { id: other.id });
    expect(await subgraph.db.user.findUnique({ where: { id: other.id } })).toBeNull();
  });

  it('should let a customer update their own profile', async () => {
    const self = await createCustomer();
    const { updateUser } = await ok(self.as, UPDATE, { id: self.id, input: { name: 'Renamed' } });
    expect(updateUser).toEqual({ id: self.id, name: 'Renamed', role: 'CUSTOMER' });
  });

  it("should answer NOT_FOUND to a customer updating another customer's profile, and change nothing", async () => {
    const [self, other] = [await createCustomer(), await createCustomer()];
    const response = await graphql(self.as, UPDATE, { id: other.id, input: { name: 'Hijacked' } });
    expect(errorCodes(response)).toEqual(['NOT_FOUND']);
    expect(await subgraph.db.user.findUnique({ where: { id: other.id } })).toMatchObject({ name: other.name });
  });

  it('should answer FORBIDDEN to a customer changing a role, their own included, and change nothing', async () => {
    const self = await createCustomer();
    const response = await graphql(self.as, UPDATE, { id: self.id, input: { name: 'Boss', role: 'ADMIN' } });
    expect(errorCodes(response)).toEqual(['FORBIDDEN']);
    expect(await subgraph.db.user.findUnique({ where: { id: self.id } })).toMatchObject({ name: self.name, role: 'CUSTOMER' });
  });

  it("should let an administrator change anyone's role", async () => {
    const someone = await createCustomer();
    const { updateUser } = await ok(subgraph.admin, UPDATE, { id: someone.id, input: { role: 'ADMIN' } });
    expect(updateUser).toMatchObject({ id: someone.id, role: 'ADMIN' });
  });

  it('should resolve references to users the caller may not see to null, batched all the same', async () => {
    const [self, other] = [await createCustomer(), await createCustomer()];
    const before = await statementCount(subgraph.url);
    const { _entities } = await ok(self.as, ENTITIES, { r: entities([self.id, other.id]) });
    expect(_entities).toEqual([{ id: self.id }, null]);
    expect((await statementCount(subgraph.url)) - before).toBe(1);
    const anonymous = await ok(subgraph.url, ENTITIES, { r: entities([self.id, other.id]) });
    expect(anonymous._entities).toEqual([null, null]);
    const admin = await ok(subgraph.admin, ENTITIES, { r: entities([self.id, other.id]) });
    expect(admin._entities).toEqual([{ id: self.id }, { id: other.id }]);
  });
});
