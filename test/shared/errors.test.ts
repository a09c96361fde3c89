// What reaches a client when a resolver fails with something that is not a coded GraphQL error.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import { createErrorFormatter, ErrorCode } from '../../shared/errors';
import { createLogger } from '../../shared/logger';

const format = createErrorFormatter(createLogger('errors-test', 'silent'));

/** How Apollo Server hands a resolver's thrown error to formatError. */
function failed(cause: Error): [GraphQLFormattedError, unknown] {
  const error = new GraphQLError(cause.message, { path: ['placeOrder'], originalError: cause });
  return [{ message: cause.message, path: ['placeOrder'], extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }, error];
}

function prismaError(code: string): PrismaClientKnownRequestError {
  return new PrismaClientKnownRequestError('Transaction API error: Unable to start a transaction in the given time.', {
    code,
    clientVersion: 'test',
  });
}

describe('error formatter', () => {
  it.each(['P2024', 'P2028'])(
    'should answer a database too busy to serve (%s) with SERVICE_UNAVAILABLE, to be retried',
    (code) => {
      expect(format(...failed(prismaError(code)))).toEqual({
        message: 'The service is busy; try again.',
        path: ['placeOrder'],
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE },
      });
    },
  );

  it('should hide any other database error behind INTERNAL_SERVER_ERROR, without its text', () => {
    const formatted = format(...failed(prismaError('P2010')));
    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['placeOrder'],
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    });
  });
});
