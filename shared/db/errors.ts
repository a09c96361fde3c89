// Recognises the Prisma errors a resolver turns into client errors. The class is shared by
// every generated client, so one check serves all four subgraphs.
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';

function isKnown(error: unknown, code: string): error is PrismaClientKnownRequestError {
  return error instanceof PrismaClientKnownRequestError && error.code === code;
}

interface ViolatedConstraint {
  index?: string;
  fields?: string[];
}

/**
 * A unique constraint failed; with `index`, only that one (e.g. "users_email_key"). PostgreSQL
 * servers name the index; PGlite's adapter names the columns, which PostgreSQL's default index
 * name (<table>_<columns>_key) ends with.
 */
export function isUniqueViolation(error: unknown, index?: string): boolean {
  if (!isKnown(error, 'P2002')) return false;
  if (!index) return true;
  const adapterError = (error.meta as { driverAdapterError?: { cause?: { constraint?: ViolatedConstraint } } } | undefined)
    ?.driverAdapterError;
  const constraint = adapterError?.cause?.constraint;
  if (constraint?.index) return constraint.index === index;
  if (constraint?.fields) return index.endsWith(`_${constraint.fields.join('_')}_key`);
  return false;
}

/** The row an update or delete addressed does not exist. */
export function isRecordNotFound(error: unknown): boolean {
  return isKnown(error, 'P2025');
}

/** A foreign key still points at the row being deleted, or at a missing row. */
export function isForeignKeyViolation(error: unknown): boolean {
  return isKnown(error, 'P2003');
}
