// Who may see which payments. A payment belongs to the user its order was placed for (recorded
// on the payment when it is made), so reads are decided here without asking the order subgraph.
// Customers see their own payments, administrators all of them, including old payments made
// before owners were recorded. Another customer's payment reads exactly as one that does not
// exist: NOT_FOUND from a root field, null or left out elsewhere.
import type { Viewer } from '../../shared/auth/identity';
import { notFound } from '../../shared/errors';

interface Owned {
  userId: string | null;
}

/** `payment` when the viewer may see it, else null: what an entity reference resolves to. */
export function visiblePayment<T extends Owned>(viewer: Viewer, payment: T | null): T | null {
  return payment && viewer.canSee(payment.userId) ? payment : null;
}

/** The payment a root field names by `id`: NOT_FOUND whether it does not exist or is another's. */
export function requireVisiblePayment<T extends Owned>(viewer: Viewer, payment: T | null, id: string): T {
  const visible = visiblePayment(viewer, payment);
  if (!visible) throw notFound('Payment', id);
  return visible;
}

/** The payments of a list the viewer may see, in their order. */
export function visiblePayments<T extends Owned>(viewer: Viewer, payments: readonly T[]): T[] {
  return payments.filter((payment) => viewer.canSee(payment.userId));
}
