// Money as the graph sends it: integer minor units and an ISO 4217 code, never a float. Shown in
// the reader's locale with the currency's own number of decimals (USD 2, JPY 0, BHD 3), which
// Intl knows, so no table of currencies lives here.

export interface Money {
  amount: number;
  currency: string;
}

/** Decimals of `currency`'s minor unit; 2 for a code Intl does not know. */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "$19.99" (en-US), "19,99 $" (fr-FR); a malformed code still reads as "19.99 XYZ". */
export function formatMoney(money: Money, locale?: string | readonly string[]): string {
  const digits = currencyDigits(money.currency);
  const major = money.amount / 10 ** digits;
  try {
    return new Intl.NumberFormat(locale as string | string[] | undefined, { style: 'currency', currency: money.currency }).format(
      major,
    );
  } catch {
    return `${major.toFixed(digits)} ${money.currency}`;
  }
}

/**
 * What a person typed as a price ("12", "12.5", "12,50") in minor units of `currency`; undefined
 * for an empty, negative or malformed entry, or one with more decimals than the currency has.
 */
export function toMinorUnits(input: string, currency: string): number | undefined {
  const text = input.trim().replace(',', '.');
  const digits = currencyDigits(currency);
  const match = /^(\d{1,9})(?:\.(\d*))?$/.exec(text);
  if (!match) return undefined;
  const [, whole = '0', fraction = ''] = match;
  if (fraction.length > digits) return undefined;
  return Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
}

/** The inverse of toMinorUnits, for putting a filter back into its input: 1250 USD is "12.5". */
export function fromMinorUnits(amount: number, currency: string): string {
  return String(amount / 10 ** currencyDigits(currency));
}

/** Sums per currency, in the order the currencies first appear: an order is priced in one. */
export function sumMoney(amounts: readonly Money[]): Money[] {
  const totals = new Map<string, number>();
  for (const { amount, currency } of amounts) totals.set(currency, (totals.get(currency) ?? 0) + amount);
  return [...totals].map(([currency, amount]) => ({ amount, currency }));
}
