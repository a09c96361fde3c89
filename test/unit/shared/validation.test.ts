// The input checks of shared/validation.ts, without a server: what each accepts, how it
// normalizes, and the BAD_USER_INPUT error (message, code, field) each refusal carries.
import { definedFields, isId, normalizeId, requireEmail, requireId, requireInt, requireText } from '../../../shared/validation';
import { thrown } from '../../support/thrown';

const ID = '0b6f1c1e-4f3a-4d2b-9c8e-7a6b5c4d3e2f';

describe('ids', () => {
  it('should accept UUIDs in either case and refuse anything else', () => {
    expect(isId(ID)).toBe(true);
    expect(isId(ID.toUpperCase())).toBe(true);
    for (const value of ['', 'nope', ID.slice(1), `${ID}0`, ` ${ID}`, ID.replaceAll('-', ''), ID.replace('0', 'g')]) {
      expect([value, isId(value)]).toEqual([value, false]);
    }
  });

  it('should normalize an id to lower case and leave anything else as it is', () => {
    expect(normalizeId(ID.toUpperCase())).toBe(ID);
    expect(normalizeId('Not-An-Id')).toBe('Not-An-Id');
  });

  it('should return a required id in lower case', () => {
    expect(requireId(ID.toUpperCase())).toBe(ID);
  });

  it('should refuse a malformed id as bad input naming the field, "id" by default', () => {
    expect(thrown(() => requireId('nope'))).toEqual({
      message: 'id must be a valid id, got "nope".',
      extensions: { code: 'BAD_USER_INPUT', field: 'id' },
    });
    expect(thrown(() => requireId('', 'input.orderId'))).toEqual({
      message: 'input.orderId must be a valid id, got "".',
      extensions: { code: 'BAD_USER_INPUT', field: 'input.orderId' },
    });
  });
});

describe('emails', () => {
  it('should trim and lower-case an email address', () => {
    expect(requireEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
  });

  it('should refuse what is not one @, no spaces and a dot in the domain, quoting the input as sent', () => {
    for (const value of ['ada', 'ada@example', '@example.com', 'ada@@example.com', 'a da@example.com', 'ada@example.']) {
      expect(thrown(() => requireEmail(value))).toEqual({
        message: `email must be a valid email address, got ${JSON.stringify(value)}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'email' },
      });
    }
    expect(thrown(() => requireEmail('x', 'input.email')).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'input.email' });
  });

  it('should accept an address of 254 characters and refuse one of 255', () => {
    const of = (length: number) => `${'a'.repeat(length - '@example.com'.length)}@example.com`;
    expect(requireEmail(of(254))).toHaveLength(254);
    expect(thrown(() => requireEmail(of(255))).extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'email' });
  });
});

describe('text', () => {
  it('should trim text and accept it within 1 to 200 characters by default', () => {
    expect(requireText('  Lamp  ', 'name')).toBe('Lamp');
    expect(requireText('x'.repeat(200), 'name')).toHaveLength(200);
  });

  it('should refuse empty or blank text as empty', () => {
    for (const value of ['', '   ', '\n\t']) {
      expect(thrown(() => requireText(value, 'input.name'))).toEqual({
        message: 'input.name must not be empty.',
        extensions: { code: 'BAD_USER_INPUT', field: 'input.name' },
      });
    }
  });

  it('should refuse text over the maximum, counted after trimming', () => {
    expect(requireText(` ${'x'.repeat(10)} `, 'note', { max: 10 })).toHaveLength(10);
    expect(thrown(() => requireText('x'.repeat(201), 'name'))).toEqual({
      message: 'name must be at most 200 characters.',
      extensions: { code: 'BAD_USER_INPUT', field: 'name' },
    });
  });

  it('should allow empty text when the minimum is 0', () => {
    expect(requireText('  ', 'note', { min: 0 })).toBe('');
  });
});

describe('integers', () => {
  it('should accept whole numbers within the bounds, both bounds included', () => {
    expect(requireInt(0, 'n')).toBe(0);
    expect(requireInt(2_147_483_647, 'n')).toBe(2_147_483_647);
    expect(requireInt(1, 'quantity', { min: 1, max: 10 })).toBe(1);
    expect(requireInt(10, 'quantity', { min: 1, max: 10 })).toBe(10);
  });

  it('should name only the minimum when the maximum is the default', () => {
    expect(thrown(() => requireInt(-1, 'stock'))).toEqual({
      message: 'stock must be an integer at least 0, got -1.',
      extensions: { code: 'BAD_USER_INPUT', field: 'stock' },
    });
    expect(thrown(() => requireInt(2_147_483_648, 'stock')).message).toBe('stock must be an integer at least 0, got 2147483648.');
  });

  it('should name both bounds when a maximum is given', () => {
    for (const value of [0, 11, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(thrown(() => requireInt(value, 'quantity', { min: 1, max: 10 }))).toEqual({
        message: `quantity must be an integer between 1 and 10, got ${value}.`,
        extensions: { code: 'BAD_USER_INPUT', field: 'quantity' },
      });
    }
  });
});

describe('partial updates', () => {
  it('should keep only the fields set, dropping null and undefined but not other falsy values', () => {
    const input = { name: null, description: undefined, stock: 0, active: false, note: '' };
    expect(definedFields(input)).toEqual({ stock: 0, active: false, note: '' });
    expect(Object.keys(definedFields(input))).toEqual(['stock', 'active', 'note']);
  });

  it('should return a copy, not the input', () => {
    const input = { name: 'Lamp' };
    const fields = definedFields(input);
    expect(fields).toEqual(input);
    expect(fields).not.toBe(input);
  });
});
