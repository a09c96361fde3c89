// What reaches a client when a resolver fails with something that is not a coded GraphQL error,
// and what of a coded error's extensions does.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { PrismaClientKnownRequestError } from '@prisma/client/runtime/client';
import { createErrorFormatter, ErrorCode } from '../../../shared/errors';
import { createLogger } from '../../../shared/logger';

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

  it('should keep only message, path, locations, code and the client extensions of a coded error', () => {
    // What Apollo Gateway made of a subgraph's 401 before the gateway read its body itself.
    const leaky: GraphQLFormattedError = {
      message: 'Insufficient stock: 5 requested, 2 available.',
      path: ['adjustStock'],
      locations: [{ line: 1, column: 12 }],
      extensions: {
        code: ErrorCode.CONFLICT,
        available: 2,
        serviceName: 'product',
        response: { url: 'http://127.0.0.1:4002/graphql', status: 401, statusText: '401', body: { errors: [] } },
        exception: { stacktrace: ['Error: at resolvers.ts:12'] },
        stacktrace: ['Error: at resolvers.ts:12'],
      },
    };
    expect(format(leaky, new GraphQLError(leaky.message))).toEqual({
      message: 'Insufficient stock: 5 requested, 2 available.',
      path: ['adjustStock'],
      locations: [{ line: 1, column: 12 }],
      extensions: { code: ErrorCode.CONFLICT, available: 2 },
    });
  });

  it('should code a persisted query whose hash does not match its text as BAD_REQUEST', () => {
    // Apollo Server's own error for it has no code, so it would read as an internal error.
    const mismatch = new GraphQLError('provided sha does not match query');
    expect(format({ message: mismatch.message, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }, mismatch)).toEqual({
      message: expect.stringMatching(/^The persisted query hash does not match the query/),
      extensions: { code: ErrorCode.BAD_REQUEST },
    });
  });
});
