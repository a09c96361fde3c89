// Dates and money in the reader's own locale, as the browser reports it.
import { formatMoney, type Money } from './money';

/** The reader's preferred locales; Intl falls back to its default when none is usable. */
export function readerLocales(): readonly string[] {
  return typeof navigator === 'undefined' ? [] : navigator.languages;
}

export function money(value: Money): string {
  return formatMoney(value, readerLocales());
}

export function dateTime(iso: string): string {
  return new Intl.DateTimeFormat(readerLocales() as string[], { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function date(iso: string): string {
  return new Intl.DateTimeFormat(readerLocales() as string[], { dateStyle: 'medium' }).format(new Date(iso));
}
