import type { GraphQLError } from 'graphql';
import { forbidden, unauthenticated } from '../../shared/auth/identity';
import { badUserInput, conflict, notFound } from '../../shared/errors';
import type { DefaultFieldMismatches, NoDefaultFieldMismatches } from '../../shared/graphql/default-fields';
import { DateTime } from '../../shared/graphql/scalars';
import { loadRequired } from '../../shared/loaders';
import { keysetPage, readPage, toConnection } from '../../shared/pagination';
import { definedFields, requireEmail, requireId, requireText } from '../../shared/validation';
import type { User } from '../../prisma/user/generated/client';
import type { Context } from './context';
import type { Resolvers, UpdateUserInput } from './generated/graphql';
import { hashPassword, MAX_PASSWORD_LENGTH, requirePassword, verifyPassword } from './passwords';
import { endSession, refreshSession, startSession } from './sessions';
import { createUser, deleteUser, updateUser, type UserFailure, type UserResult } from './users';

/** The profile fields of createUser and updateUser, validated where given. */
function validateUserInput(input: UpdateUserInput) {
  const fields = definedFields(input);
  return {
    ...fields,
    ...(fields.email !== undefined && { email: requireEmail(fields.email) }),
    ...(fields.name !== undefined && { name: requireText(fields.name, 'name', { max: 100 }) }),
  };
}

/** An account failure in words a client understands: the one place they are worded. */
function userError(failure: UserFailure): GraphQLError {
  switch (failure.failure) {
    case 'duplicate-email':
      return conflict(`A user with email ${JSON.stringify(failure.email)} already exists.`, { field: 'email' });
    case 'not-found':
      return notFound('User', failure.id);
  }
}

/** The account a change left, or its failure thrown as a GraphQL error. */
function changed(result: UserResult): User {
  if (!result.ok) throw userError(result.failure);
  return result.user;
}

/**
 * The id of a user the caller may act on: themselves, or anyone for an administrator. Another
 * customer's id is NOT_FOUND, exactly like an id that does not exist.
 */
function requireVisibleUserId({ viewer }: Context, id: string): string {
  viewer.requireSignedIn();
  const userId = requireId(id);
  if (!viewer.canSee(userId)) throw notFound('User', id);
  return userId;
}

/** One answer for an unknown email and a wrong password: which one it was is nobody's business. */
function wrongCredentials() {
  return unauthenticated('Email or password is incorrect.');
}

export const resolvers = {
  DateTime,

  Query: {
    me: (_, __, { viewer, loaders }) => loaders.user.load(viewer.requireSignedIn().userId),
    user: (_, { id }, context) => loadRequired(context.loaders.user, 'User', requireVisibleUserId(context, id)),
    async users(_, args, { db, viewer }) {
      viewer.requireAdmin();
      const page = readPage(args);
      const rows = await db.user.findMany(keysetPage(page, {}));
      return toConnection(rows, page);
    },
  },

  UserConnection: {
    // Only administrators reach a UserConnection (Query.users).
    totalCount: (_, __, { db }) => db.user.count(),
  },

  Mutation: {
    async signUp(_, { input }, { db, sessions }) {
      const email = requireEmail(input.email);
      const name = requireText(input.name, 'name', { max: 100 });
      const passwordHash = await hashPassword(requirePassword(input.password, email));
      // Always a customer: administrators are made by administrators (createUser, updateUser).
      const user = changed(await createUser(db, { email, name, role: 'CUSTOMER', passwordHash }));
      return startSession(db, user, sessions);
    },
    async login(_, { email, password }, context) {
      const { db, sessions, loginThrottle } = context;
      const account = email.trim().toLowerCase();
      // Before anything else: a throttled account answers RATE_LIMITED even to the right password,
      // and costs no scrypt.
      await loginThrottle.attempt(account);
      // Too long to be anyone's password (signUp refuses it): no need to spend a hash on it.
      if (password.length > MAX_PASSWORD_LENGTH) throw wrongCredentials();
      const user = await db.user.findUnique({ where: { email: account } });
      // Runs scrypt even without a user, so that unknown emails answer as slowly as known ones.
      if (!(await verifyPassword(password, user?.passwordHash)) || !user) throw wrongCredentials();
      await loginThrottle.succeeded(account);
      return startSession(db, user, sessions);
    },
    refresh: (_, { refreshToken }, { db, sessions }) => refreshSession(db, refreshToken, sessions),
    async logout(_, { refreshToken }, { db, sessions }) {
      await endSession(db, refreshToken, sessions);
      return true;
    },

    async createUser(_, { input }, { db, viewer }) {
      viewer.requireAdmin();
      const { password, ...fields } = input;
      const data = validateUserInput(fields);
      if (!data.email || !data.name) throw badUserInput('email and name are required.');
      // Without a password the account exists but cannot log in until one is set.
      const passwordHash = password == null ? null : await hashPassword(requirePassword(password, data.email));
      return changed(await createUser(db, { email: data.email, name: data.name, role: data.role ?? 'CUSTOMER', passwordHash }));
    },
    async updateUser(_, { id, input }, context) {
      const userId = requireVisibleUserId(context, id);
      const data = validateUserInput(input);
      // Customers edit their own profile, never their own privileges.
      if (data.role !== undefined && !context.viewer.isAdmin) throw forbidden('Only administrators may change a role.');
      const { db, sessions, loaders } = context;
      return changed(await updateUser({ db, sessions, loaders }, userId, data));
    },
    async deleteUser(_, { id }, { db, viewer, sessions }) {
      viewer.requireAdmin();
      return changed(await deleteUser({ db, sessions }, requireId(id)));
    },
  },

  User: {
    // Batched like any reference, then filtered: a user the caller may not see resolves to null,
    // so neither a nested `user` field nor another service's `_entities` call learns of it.
    async __resolveReference({ id }, { loaders, viewer }) {
      const user = await loaders.user.load(id);
      return user && viewer.canSee(user.id) ? user : null;
    },
  },
} satisfies Resolvers;

// Fields without a resolver are read off their model: they must have the SDL's types too.
export type DefaultFieldsChecked = NoDefaultFieldMismatches<DefaultFieldMismatches<Resolvers, typeof resolvers>>;
