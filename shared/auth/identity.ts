// Who is calling, as every service sees it. The gateway verifies a client's access token once;
// from there on identity travels between services only as a token signed with the internal
// secret (see internal-token.ts), which a client cannot produce.
import { GraphQLError } from 'graphql';
import { ErrorCode, notFound } from '../errors';

export const ROLES = ['CUSTOMER', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export interface Identity {
  userId: string;
  role: Role;
}

export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}

export function unauthenticated(message = 'Sign in to do this: send an access token in the Authorization header.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export function forbidden(message = 'Only administrators may do this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}

/**
 * The caller of one request, with the questions authorization rules ask. Rules live in the
 * subgraph that owns the data; they all go through these few methods so they read the same way.
 */
export class Viewer {
  static readonly anonymous = new Viewer(null);

  constructor(readonly identity: Identity | null) {}

  get isAdmin(): boolean {
    return this.identity?.role === 'ADMIN';
  }

  /** The signed-in caller; UNAUTHENTICATED for anonymous callers. */
  requireSignedIn(): Identity {
    if (!this.identity) throw unauthenticated();
    return this.identity;
  }

  /** An administrator; UNAUTHENTICATED for anonymous callers, FORBIDDEN for customers. */
  requireAdmin(): Identity {
    const identity = this.requireSignedIn();
    if (identity.role !== 'ADMIN') throw forbidden();
    return identity;
  }

  /** Whether the caller may see what belongs to `ownerId`: its owner, or an administrator. */
  canSee(ownerId: string | null | undefined): boolean {
    if (!this.identity) return false;
    return this.isAdmin || (ownerId != null && ownerId === this.identity.userId);
  }

  /**
   * `row` when the caller may see it, else null: what an entity reference resolves to, so a
   * nested field never shows what belongs to someone else. Rows without an owner are admins' only.
   */
  visible<T extends { userId: string | null }>(row: T | null | undefined): T | null {
    return row && this.canSee(row.userId) ? row : null;
  }

  /**
   * The row a root field or mutation names by `id`: NOT_FOUND, the very error of a missing row,
   * when it is someone else's, so guessing ids reveals nothing.
   */
  requireVisible<T extends { userId: string | null }>(row: T | null | undefined, type: string, id: string): T {
    const visible = this.visible(row);
    if (!visible) throw notFound(type, id);
    return visible;
  }

  /**
   * Whose rows a list shows: undefined (everyone's) for administrators, the caller's own for
   * customers. UNAUTHENTICATED for anonymous callers.
   */
  ownerScope(): string | undefined {
    const identity = this.requireSignedIn();
    return identity.role === 'ADMIN' ? undefined : identity.userId;
  }
}
