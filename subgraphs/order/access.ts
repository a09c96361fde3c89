// Who may see and act on which orders. An order belongs to the user it was placed for; customers
// see and cancel their own, administrators all of them. Another customer's order reads exactly as
// an order that does not exist (NOT_FOUND, or null for a reference), so guessing ids reveals
// nothing. Status changes belong to their order's owner.
import { forbidden, type Viewer } from '../../shared/auth/identity';
import { notFound } from '../../shared/errors';
import { requireId } from '../../shared/validation';

interface Owned {
  userId: string;
}

/** `order` when the viewer may see it, else null: what an entity reference resolves to. */
export function visibleOrder<T extends Owned>(viewer: Viewer, order: T | null): T | null {
  return order && viewer.canSee(order.userId) ? order : null;
}

/**
 * The order a root field or mutation names by `id`: NOT_FOUND, the same error whether it does not
 * exist or is another customer's.
 */
export function requireVisibleOrder<T extends Owned>(viewer: Viewer, order: T | null, id: string): T {
  const visible = visibleOrder(viewer, order);
  if (!visible) throw notFound('Order', id);
  return visible;
}

/**
 * Whose orders `orders` lists: for administrators the user of the filter, or everyone's
 * (undefined); for customers their own. A customer naming another user is FORBIDDEN rather than
 * shown an empty list, which would look like an answer. UNAUTHENTICATED for anonymous callers.
 */
export function listedOwner(viewer: Viewer, requested: string | null | undefined): string | undefined {
  const own = viewer.ownerScope()?.toLowerCase();
  const userId = requested ? requireId(requested, 'filter.userId') : undefined;
  if (own === undefined) return userId;
  if (userId !== undefined && userId !== own) throw forbidden('Customers may list only their own orders.');
  return own;
}

/**
 * Who an order is placed for: the caller, unless an administrator names someone else. A customer
 * naming another user is FORBIDDEN; UNAUTHENTICATED for anonymous callers.
 */
export function buyerOf(viewer: Viewer, requested: string | null | undefined): string {
  const identity = viewer.requireSignedIn();
  const buyer = requireId(requested ?? identity.userId, 'userId');
  if (buyer !== identity.userId.toLowerCase() && !viewer.isAdmin)
    throw forbidden('Only administrators may place orders for another user.');
  return buyer;
}
