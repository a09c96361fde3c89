// Accounts made, changed and deleted, the use cases behind signUp, createUser, updateUser and
// deleteUser: each one write whose constraint violations come back as typed failures
// (resolvers.ts words them for clients), and any change that ends what an access token claims
// (a role, the account itself) revokes the account's tokens once committed.
import type { Prisma, User } from '../../prisma/user/generated/client';
import { isRecordNotFound, isUniqueViolation } from '../../shared/db/errors';
import type { Db } from './db';
import type { Loaders } from './loaders';
import { revokeAccessTokens, type SessionConfig } from './sessions';

export type UserFailure = { failure: 'duplicate-email'; email: string | undefined } | { failure: 'not-found'; id: string };

export type UserResult = { ok: true; user: User } | { ok: false; failure: UserFailure };

export interface UserDeps {
  db: Db;
  sessions: SessionConfig;
}

/** Validated profile columns (resolvers.ts parses the input). */
export type UserChanges = Pick<Prisma.UserUpdateInput, 'name' | 'role'> & { email?: string };

export async function createUser(db: Db, data: Prisma.UserCreateInput): Promise<UserResult> {
  try {
    return { ok: true, user: await db.user.create({ data }) };
  } catch (error) {
    return { ok: false, failure: userWriteFailure(error, { email: data.email }) };
  }
}

/** Changes the given fields; a changed role ends the account's access tokens. */
export async function updateUser(
  { db, sessions, loaders }: UserDeps & { loaders: Loaders },
  id: string,
  data: UserChanges,
): Promise<UserResult> {
  const before = data.role === undefined ? null : await loaders.user.load(id);
  let user: User;
  try {
    user = await db.user.update({ where: { id }, data });
  } catch (error) {
    return { ok: false, failure: userWriteFailure(error, { id, email: data.email }) };
  }
  // An access token carries the role it was signed with: a new role ends the account's tokens.
  if (before && before.role !== user.role) await revokeAccessTokens(sessions, id);
  return { ok: true, user };
}

/** Deletes the account and ends its access tokens. */
export async function deleteUser({ db, sessions }: UserDeps, id: string): Promise<UserResult> {
  let user: User;
  try {
    user = await db.user.delete({ where: { id } });
  } catch (error) {
    return { ok: false, failure: userWriteFailure(error, { id }) };
  }
  await revokeAccessTokens(sessions, user.id);
  return { ok: true, user };
}

/** Unique-email violations and missing rows; anything else is not the client's doing and is thrown. */
function userWriteFailure(error: unknown, { id, email }: { id?: string; email?: string }): UserFailure {
  if (isUniqueViolation(error, 'users_email_key')) return { failure: 'duplicate-email', email };
  if (id && isRecordNotFound(error)) return { failure: 'not-found', id };
  throw error;
}
