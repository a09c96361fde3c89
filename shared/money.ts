// Money is an integer amount of minor units (cents) with an ISO 4217 currency code: never a
// float, so totals add up exactly.
import { badUserInput } from './errors';
import { requireInt } from './validation';

export interface Money {
  amount: number;
  currency: string;
}

/** The currencies the shop trades in. Extending the list is all a new currency needs. */
export const CURRENCIES = ['USD', 'EUR', 'GBP', 'CHF', 'JPY', 'CAD', 'AUD'] as const;

export function requireCurrency(value: string, field = 'currency'): string {
  const currency = value.trim().toUpperCase();
  if (!(CURRENCIES as readonly string[]).includes(currency)) {
    throw badUserInput(`${field} must be one of ${CURRENCIES.join(', ')}, got ${JSON.stringify(value)}.`, field);
  }
  return currency;
}

/** A price or amount from a client: a non-negative whole number of minor units in a known currency. */
export function requireMoney(value: Money, field: string): Money {
  return {
    amount: requireInt(value.amount, `${field}.amount`, { min: 0, max: 100_000_000 }),
    currency: requireCurrency(value.currency, `${field}.currency`),
  };
}
