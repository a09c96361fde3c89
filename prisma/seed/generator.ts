// The seeded source of every value of the data set: one faker, one fixed "now", and the helpers
// the generators share (weighted picks, instants, UUIDv7 ids stamped from those instants).
import type { Faker } from '@faker-js/faker' with { 'resolution-mode': 'import' };
import { uuid7 } from '../../shared/uuid7';

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

export type Weighted<T> = { value: T; weight: number }[];

export function weighted<T>(...table: [value: T, weight: number][]): Weighted<T> {
  return table.map(([value, weight]) => ({ value, weight }));
}

export class Generator {
  constructor(
    readonly faker: Faker,
    readonly now: Date,
  ) {}

  id(createdAt: Date): string {
    return uuid7(createdAt, (length) => Uint8Array.from({ length }, () => this.faker.number.int(255)));
  }

  pick<T>(table: Weighted<T>): T {
    return this.faker.helpers.weightedArrayElement(table);
  }

  chance(probability: number): boolean {
    return this.faker.datatype.boolean({ probability });
  }

  /** An instant in [from, to], to the millisecond. */
  between(from: number, to: number): Date {
    return new Date(this.faker.number.int({ min: Math.round(from), max: Math.round(to) }));
  }

  ago(ms: number): number {
    return this.now.getTime() - ms;
  }

  /**
   * An instant `min..max` ms after `date`. When that would be after "now", a part of the time
   * left instead: a chain of steps then still moves strictly forward and stays in the past
   * (the youngest orders are two hours old, which leaves room for every step of a lifecycle).
   */
  after(date: Date, min: number, max: number): Date {
    const from = date.getTime();
    const wanted = from + this.faker.number.int({ min, max });
    if (wanted <= this.now.getTime()) return new Date(wanted);
    const left = this.now.getTime() - from;
    return new Date(from + Math.max(1, Math.floor(left * this.faker.number.float({ min: 0.2, max: 0.6 }))));
  }

  /** Usually untouched since creation, sometimes edited later. */
  updatedAt(createdAt: Date, probability: number): Date {
    return this.chance(probability) ? this.between(createdAt.getTime(), this.now.getTime()) : createdAt;
  }
}
