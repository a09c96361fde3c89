// Money from clients (shared/money.ts): whole minor units in a currency the shop trades in.
import { CURRENCIES, requireCurrency, requireMoney, type Money } from '../../../shared/money';
import { thrown } from '../../support/thrown';

const buildMoney = (overrides: Partial<Money> = {}): Money => ({ amount: 1_999, currency: 'USD', ...overrides });

describe('currencies', () => {
  it('should accept every listed currency, trimmed and in upper case', () => {
    for (const currency of CURRENCIES) {
      expect(requireCurrency(currency)).toBe(currency);
      expect(requireCurrency(` ${currency.toLowerCase()} `)).toBe(currency);
    }
  });

  it('should refuse an unknown currency, listing the known ones and quoting the input as sent', () => {
    expect(thrown(() => requireCurrency(' xyz'))).toEqual({
      message: 'currency must be one of USD, EUR, GBP, CHF, JPY, CAD, AUD, got " xyz".',
      extensions: { code: 'BAD_USER_INPUT', field: 'currency' },
    });
    for (const value of ['', 'US', 'USDD', 'U SD']) {
      expect(thrown(() => requireCurrency(value, 'price.currency')).extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'price.currency',
      });
    }
  });
});

describe('money', () => {
  it('should return the amount and the normalized currency', () => {
    expect(requireMoney(buildMoney({ currency: 'eur' }), 'price')).toEqual({ amount: 1_999, currency: 'EUR' });
  });

  it('should accept amounts from 0 to 100,000,000 minor units', () => {
    expect(requireMoney(buildMoney({ amount: 0 }), 'price').amount).toBe(0);
    expect(requireMoney(buildMoney({ amount: 100_000_000 }), 'price').amount).toBe(100_000_000);
  });

  it('should refuse a negative, fractional or too large amount, naming the amount field', () => {
    for (const amount of [-1, 19.99, 100_000_001]) {
      expect(thrown(() => requireMoney(buildMoney({ amount }), 'input.price'))).toEqual({
        message: `input.price.amount must be an integer between 0 and 100000000, got ${amount}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'input.price.amount' },
      });
    }
  });

  it('should refuse an unknown currency, naming the currency field', () => {
    expect(thrown(() => requireMoney(buildMoney({ currency: 'BTC' }), 'input.price')).extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.price.currency',
    });
  });

  it('should check the amount before the currency when both are wrong', () => {
    expect(thrown(() => requireMoney(buildMoney({ amount: -5, currency: 'BTC' }), 'price')).extensions.field).toBe(
      'price.amount',
    );
  });
});
