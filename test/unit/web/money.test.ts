// The storefront's money (web/src/lib/money.ts): integer minor units from the graph, shown in the
// reader's locale with the currency's own decimals; typed prices read back into minor units.
import { currencyDigits, formatMoney, fromMinorUnits, sumMoney, toMinorUnits } from '../../../web/src/lib/money';

// Intl separates amount and symbol with a no-break space (U+00A0) or a narrow one (U+202F).
const spaced = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it('should show minor units as the currency writes them, in the reader locale', () => {
    expect(formatMoney({ amount: 1_999, currency: 'USD' }, 'en-US')).toBe('$19.99');
    expect(spaced(formatMoney({ amount: 1_999, currency: 'EUR' }, 'de-DE'))).toBe('19,99 €');
    expect(spaced(formatMoney({ amount: 123_450, currency: 'USD' }, 'fr-FR'))).toBe('1 234,50 $US');
    expect(formatMoney({ amount: 1_999, currency: 'USD' }, 'en-GB')).toBe('US$19.99');
  });

  it("should use each currency's own number of decimals", () => {
    expect(formatMoney({ amount: 500, currency: 'JPY' }, 'ja-JP')).toBe('￥500');
    expect(spaced(formatMoney({ amount: 1_234, currency: 'BHD' }, 'en-US'))).toBe('BHD 1.234');
    expect(formatMoney({ amount: 5, currency: 'USD' }, 'en-US')).toBe('$0.05');
  });

  it('should take the first usable locale of a list, as navigator.languages gives them', () => {
    expect(spaced(formatMoney({ amount: 1_999, currency: 'EUR' }, ['de-DE', 'en-US']))).toBe('19,99 €');
  });

  it('should still show a malformed currency code rather than throw', () => {
    expect(formatMoney({ amount: 1_999, currency: 'US' }, 'en-US')).toBe('19.99 US');
    expect(currencyDigits('US')).toBe(2);
  });
});

describe('toMinorUnits', () => {
  it('should read whole and decimal amounts with a point or a comma', () => {
    expect(toMinorUnits('12', 'USD')).toBe(1_200);
    expect(toMinorUnits('12.5', 'USD')).toBe(1_250);
    expect(toMinorUnits(' 12,05 ', 'EUR')).toBe(1_205);
    expect(toMinorUnits('0.99', 'USD')).toBe(99);
    expect(toMinorUnits('500', 'JPY')).toBe(500);
  });

  it('should refuse empty, negative, malformed and over-precise amounts', () => {
    for (const input of ['', ' ', '-1', 'abc', '1.2.3', '1e3', '12.345']) expect(toMinorUnits(input, 'USD')).toBeUndefined();
    expect(toMinorUnits('5.5', 'JPY')).toBeUndefined();
  });

  it('should give back what fromMinorUnits wrote', () => {
    for (const amount of [0, 99, 1_250, 123_456]) expect(toMinorUnits(fromMinorUnits(amount, 'USD'), 'USD')).toBe(amount);
  });
});

describe('sumMoney', () => {
  it('should total per currency, in the order currencies first appear', () => {
    expect(
      sumMoney([
        { amount: 100, currency: 'USD' },
        { amount: 250, currency: 'EUR' },
        { amount: 50, currency: 'USD' },
      ]),
    ).toEqual([
      { amount: 150, currency: 'USD' },
      { amount: 250, currency: 'EUR' },
    ]);
    expect(sumMoney([])).toEqual([]);
  });
});
