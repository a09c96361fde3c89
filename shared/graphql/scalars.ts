import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { ErrorCode } from '../errors';

/** `scalar DateTime`: an ISO 8601 timestamp in UTC, as every subgraph declares it. */
export const DateTime = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An ISO 8601 timestamp in UTC, e.g. 2026-11-22T10:15:00.000Z.',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalidDate();
    return parseDate(ast.value);
  },
});

function parseDate(value: unknown): Date {
  if (typeof value !== 'string') throw invalidDate();
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidDate();
  return date;
}

function invalidDate(): GraphQLError {
  return new GraphQLError('DateTime must be an ISO 8601 string such as 2026-11-22T10:15:00Z', {
    extensions: { code: ErrorCode.BAD_USER_INPUT },
  });
}
