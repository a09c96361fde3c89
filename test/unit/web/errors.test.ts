// What the storefront shows for a failed operation (web/src/lib/errors.ts): the graph's own
// message for people and its code, whatever form the failure took; never raw JSON.
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';
import { describeError, fieldOf, GraphQLResponseError, isUnauthenticated, NETWORK_MESSAGE } from '../../../web/src/lib/errors';

const serverError = (status: number, bodyText: string) =>
  new ServerError('Response not successful', { response: new Response(bodyText, { status }), bodyText });

describe('describeError', () => {
  it("should show a GraphQL error's message and keep its code and field", () => {
    const error = new CombinedGraphQLErrors({
      errors: [
        {
          message: 'Password must be at least 10 characters.',
          extensions: { code: 'BAD_USER_INPUT', field: 'input.password' },
        },
      ],
    });
    const readable = describeError(error);
    expect(readable).toEqual({
      message: 'Password must be at least 10 characters.',
      code: 'BAD_USER_INPUT',
      field: 'input.password',
    });
    expect(fieldOf(readable)).toBe('password');
  });

  it('should read the message of a coded error in a 4xx body, not show the body', () => {
    const body = JSON.stringify({
      errors: [{ message: 'This access token has been revoked: sign in again.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    const readable = describeError(serverError(401, body));
    expect(readable).toEqual({ message: 'This access token has been revoked: sign in again.', code: 'UNAUTHENTICATED' });
    expect(isUnauthenticated(serverError(401, body))).toBe(true);
  });

  it('should put a failure without a GraphQL body in words', () => {
    expect(describeError(serverError(502, '<html>Bad Gateway</html>')).message).toBe(
      'The shop is having trouble (HTTP 502). Please try again in a moment.',
    );
    expect(describeError(new TypeError('Failed to fetch')).message).toBe(NETWORK_MESSAGE);
    expect(describeError(new Error('Socket closed with event 1006')).message).toBe(NETWORK_MESSAGE);
    for (const error of [undefined, 'x', { errors: 'y' }, new Error('{"secret":"internal"}')]) {
      expect(describeError(error).message).toBe('Something went wrong. Please try again.');
    }
  });

  it('should read the errors of a response fetched without Apollo Client', () => {
    const error = GraphQLResponseError.fromBody(
      { errors: [{ message: 'This refresh token is no longer valid.', extensions: { code: 'UNAUTHENTICATED' } }] },
      200,
    );
    expect(describeError(error)).toEqual({ message: 'This refresh token is no longer valid.', code: 'UNAUTHENTICATED' });
  });
});
