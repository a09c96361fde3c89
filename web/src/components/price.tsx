import type { Money } from '../lib/money';
import { money } from '../lib/format';

export function Price({ value, className }: { value: Money; className?: string }) {
  return <span className={className ? `price ${className}` : 'price'}>{money(value)}</span>;
}
