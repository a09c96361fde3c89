// Checks on input that GraphQL's type system cannot express. Each failure is a BAD_USER_INPUT
// error naming the offending field, so a client can show it next to the right input.
import { badUserInput } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Deliberately simple: one @, no spaces, a dot in the domain. Real verification is a mail.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isId(value: string): boolean {
  return UUID.test(value);
}

/**
 * The one spelling of an id: ids are UUIDs, which match whatever the case of their hex digits,
 * while strings (map keys, event payloads, cache keys) do not. Applied where ids enter a service
 * (shared/graphql/normalize-ids.ts, the gateway's subscriptions), so that everything after
 * compares lower-case ids only. Anything that is not an id is returned as it is, for requireId to
 * refuse with the client's own spelling.
 */
export function normalizeId(value: string): string {
  return isId(value) ? value.toLowerCase() : value;
}

/** An id argument: a malformed one is bad input, not a database error. */
export function requireId(value: string, field = 'id'): string {
  if (!isId(value)) throw badUserInput(`${field} must be a valid id, got ${JSON.stringify(value)}.`, field);
  return value.toLowerCase();
}

export function requireEmail(value: string, field = 'email'): string {
  const email = value.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) {
    throw badUserInput(`${field} must be a valid email address, got ${JSON.stringify(value)}.`, field);
  }
  return email;
}

export function requireText(value: string, field: string, { min = 1, max = 200 } = {}): string {
  const text = value.trim();
  if (text.length < min) throw badUserInput(`${field} must not be empty.`, field);
  if (text.length > max) throw badUserInput(`${field} must be at most ${max} characters.`, field);
  return text;
}

export function requireInt(value: number, field: string, { min = 0, max = 2_147_483_647 } = {}): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === 2_147_483_647 ? `at least ${min}` : `between ${min} and ${max}`;
    throw badUserInput(`${field} must be an integer ${range}, got ${value}.`, field);
  }
  return value;
}

/** Copies only the fields a partial-update input actually set; null means "leave unchanged". */
export function definedFields<T extends object>(input: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}
