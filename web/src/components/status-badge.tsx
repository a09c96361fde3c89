import { STATUS_LABELS, STATUS_TONES, type OrderStatus } from '../lib/order-status';

export function StatusBadge({ status }: { status: OrderStatus }) {
  return (
    <span className={`badge badge-${STATUS_TONES[status]}`} data-status={status}>
      {STATUS_LABELS[status]}
    </span>
  );
}
