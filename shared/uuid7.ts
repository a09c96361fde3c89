import { randomBytes } from 'node:crypto';

/** Returns `length` random bytes; the seed passes its seeded faker here so ids are reproducible. */
export type RandomBytesSource = (length: number) => Uint8Array;

const MAX_TIMESTAMP = 2 ** 48 - 1;

/**
 * A UUIDv7 (RFC 9562) for a given instant: 48 bits of Unix milliseconds, the version, 74
 * random bits and the variant. The database would stamp ids with the insert time; the seed
 * stamps them with each record's own createdAt instead, so that ordering by id (which every
 * list does) is ordering by creation time, as it is for records the services create.
 */
export function uuid7(date: Date, random: RandomBytesSource): string {
  const millis = date.getTime();
  if (!Number.isInteger(millis) || millis < 0 || millis > MAX_TIMESTAMP) {
    throw new RangeError(`uuid7 needs a date between 1970 and 10889, got ${String(date)}`);
  }
  const bytes = new Uint8Array(16);
  bytes.set(random(10), 6);
  let rest = millis;
  for (let i = 5; i >= 0; i -= 1) {
    bytes[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The instant a UUIDv7 was stamped with. */
export function uuid7Date(id: string): Date {
  return new Date(parseInt(id.replace(/-/g, '').slice(0, 12), 16));
}

/** A fresh UUIDv7 for now: time-ordered, so ids sort by creation. */
export function newUuid7(): string {
  return uuid7(new Date(), randomBytes);
}
