// Who may list and place which orders. An order belongs to the user it was placed for; customers
// see and cancel their own, administrators all of them (reads go through viewer.visible and
// viewer.requireVisible: another customer's order reads exactly as one that does not exist).
// Status changes belong to their order's owner.
import { forbidden, type Viewer } from '../../shared/auth/identity';
import { requireId } from '../../shared/validation';

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
