// What a synchronous check threw, as a client would see it: for the unit tests of pure modules
// whose refusals are GraphQLErrors (message plus extensions).
import { GraphQLError } from 'graphql';

export interface Thrown {
  message: string;
  extensions: Record<string, unknown>;
}

/** Runs `check`, fails the test unless it throws a GraphQLError, and returns that error's message and extensions. */
export function thrown(check: () => unknown): Thrown {
  let caught: unknown;
  try {
    check();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(GraphQLError);
  const error = caught as GraphQLError;
  return { message: error.message, extensions: { ...error.extensions } };
}
