import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { badUserInput, conflict, notFound } from '../../shared/errors';
import { isRecordNotFound, isUniqueViolation } from '../../shared/db/errors';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { readPage, toConnection, type PageArgs } from '../../shared/pagination';
import { definedFields, requireEmail, requireId, requireText } from '../../shared/validation';
import type { Role, User } from '../../prisma/user/generated/client';
import type { Context } from './context';

interface UserInput {
  email?: string | null;
  name?: string | null;
  role?: Role | null;
}

function validateUserInput(input: UserInput) {
  const fields = definedFields(input);
  return {
    ...fields,
    ...(fields.email !== undefined && { email: requireEmail(fields.email) }),
    ...(fields.name !== undefined && { name: requireText(fields.name, 'name', { max: 100 }) }),
  };
}

/** Unique-email violations and missing rows, in words a client understands. */
function clientError(error: unknown, id?: string, email?: string): unknown {
  if (isUniqueViolation(error, 'users_email_key')) {
    return conflict(`A user with email ${JSON.stringify(email)} already exists.`, { field: 'email' });
  }
  if (id && isRecordNotFound(error)) return notFound('User', id);
  return error;
}

export const resolvers: GraphQLResolverMap<Context> = {
  DateTime,

  Query: {
    user: (_: unknown, { id }: { id: string }, { loaders }: Context) => loadRequired(loaders.user, 'User', id),
    async users(_: unknown, args: PageArgs, { db }: Context) {
      const page = readPage(args);
      const rows = await db.user.findMany({
        orderBy: { id: 'asc' },
        take: page.take + 1,
        ...(page.afterId && { cursor: { id: page.afterId }, skip: 1 }),
      });
      return toConnection(rows, page);
    },
  },

  UserConnection: {
    totalCount: (_: unknown, __: unknown, { db }: Context) => db.user.count(),
  },

  Mutation: {
    async createUser(_: unknown, { input }: { input: Required<UserInput> }, { db }: Context) {
      const data = validateUserInput(input);
      if (!data.email || !data.name) throw badUserInput('email and name are required.');
      try {
        return await db.user.create({ data: { email: data.email, name: data.name, role: data.role ?? 'CUSTOMER' } });
      } catch (error) {
        throw clientError(error, undefined, data.email);
      }
    },
    async updateUser(_: unknown, { id, input }: { id: string; input: UserInput }, { db }: Context) {
      const data = validateUserInput(input);
      try {
        return await db.user.update({ where: { id: requireId(id) }, data });
      } catch (error) {
        throw clientError(error, id, data.email);
      }
    },
    async deleteUser(_: unknown, { id }: { id: string }, { db }: Context) {
      try {
        return await db.user.delete({ where: { id: requireId(id) } });
      } catch (error) {
        throw clientError(error, id);
      }
    },
  },

  User: {
    __resolveReference: ({ id }: Pick<User, 'id'>, { loaders }: Context) => loaders.user.load(id),
  },
};
