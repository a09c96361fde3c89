// Sessions: a short-lived access token (a JWT the gateway verifies on its own, access-tokens.ts)
// plus a long-lived refresh token that only this subgraph can check. Refresh tokens are 32 random
// bytes; only their sha256 is stored (they carry their full entropy, so a fast hash is enough, and
// a copy of the table lets no one sign in). Each login starts a family; every refresh marks its
// token used and issues the next one in the same family. A used token presented again means
// someone holds a copy: the whole family is revoked, the thief's session and the owner's alike.
// Access tokens name their family as their session (`sid`): ending a session ends its access
// tokens too, within seconds, while the account's other sessions go on.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { unauthenticated } from '../../shared/auth/identity';
import type { Prisma, User } from '../../prisma/user/generated/client';
import type { AccessTokenIssuer } from './access-tokens';
import type { Db } from './db';

type Tx = Prisma.TransactionClient;

export interface SessionConfig {
  accessTokens: AccessTokenIssuer;
  refreshTokenTtlSeconds: number;
}

/** What signUp, login and refresh answer: the AuthPayload type of the schema. */
export interface AuthPayload {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: User;
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function invalidRefreshToken() {
  return unauthenticated('The refresh token is not valid: sign in again.');
}

/** A new refresh token in `familyId`, and an access token with the user's role as it is now. */
async function issue(db: Db | Tx, user: User, familyId: string, config: SessionConfig): Promise<AuthPayload> {
  const refreshToken = randomBytes(32).toString('base64url');
  const refreshTokenExpiresAt = new Date(Date.now() + config.refreshTokenTtlSeconds * 1000);
  await db.refreshToken.create({
    data: { userId: user.id, familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt: refreshTokenExpiresAt },
  });
  const { token: accessToken, expiresAt } = await config.accessTokens.issue({ userId: user.id, role: user.role }, familyId);
  return { accessToken, accessTokenExpiresAt: new Date(expiresAt * 1000), refreshToken, refreshTokenExpiresAt, user };
}

/** A session for a user who just proved who they are (signUp, login): a new family. */
export function startSession(db: Db, user: User, config: SessionConfig): Promise<AuthPayload> {
  return issue(db, user, randomUUID(), config);
}

/** Ends a session: its refresh tokens, then its access tokens. */
async function revokeFamily(db: Db, familyId: string, config: SessionConfig): Promise<void> {
  await db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
  await config.accessTokens.revokeSession(familyId);
}

/**
 * Ends every access token of `userId` signed until now, in all its sessions, within the gateway's
 * few seconds: for deleteUser and role changes, once committed (a token carries the role it was
 * signed with). Refresh tokens still work where the account does, and give its role as it is now.
 */
export function revokeAccessTokens(config: SessionConfig, userId: string): Promise<void> {
  return config.accessTokens.revokeAccount(userId);
}

/**
 * Exchanges a refresh token for a new pair. UNAUTHENTICATED when it is unknown, expired or
 * revoked; when it was already exchanged (reuse), its family is revoked first.
 */
export async function refreshSession(db: Db, refreshToken: string, config: SessionConfig): Promise<AuthPayload> {
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(refreshToken) }, include: { user: true } });
  if (!row || row.revokedAt) throw invalidRefreshToken();
  if (row.expiresAt.getTime() <= Date.now()) throw unauthenticated('The refresh token has expired: sign in again.');
  if (row.usedAt) {
    await revokeFamily(db, row.familyId, config);
    throw invalidRefreshToken();
  }
  const rotated = await db.$transaction(async (tx) => {
    // Conditional, so of two requests racing with one token exactly one rotates it.
    const { count } = await tx.refreshToken.updateMany({
      where: { id: row.id, usedAt: null, revokedAt: null },
      data: { usedAt: new Date() },
    });
    return count === 1 ? issue(tx, row.user, row.familyId, config) : null;
  });
  if (rotated) return rotated;
  // Another request used the same token a moment ago: a copy is in use, as above. Outside the
  // transaction, which had nothing to undo, so that the revocation itself commits.
  await revokeFamily(db, row.familyId, config);
  throw invalidRefreshToken();
}

/**
 * Ends the session `refreshToken` belongs to: its whole family, and its access tokens. Unknown
 * tokens are ignored.
 */
export async function endSession(db: Db, refreshToken: string, config: SessionConfig): Promise<void> {
  const row = await db.refreshToken.findUnique({
    where: { tokenHash: hashRefreshToken(refreshToken) },
    select: { familyId: true },
  });
  if (row) await revokeFamily(db, row.familyId, config);
}
