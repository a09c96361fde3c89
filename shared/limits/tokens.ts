// The token limit, checked on the raw text before anything parses it: the lexer is cheap and
// stops one token past the limit, while parsing builds an AST node for every token.
//
// graphql-armor's own token check for Apollo Server throws from a parsing hook, which Apollo
// turns into a 500; counting here gives a coded 400 instead, the same way over HTTP and WebSocket.
import { GraphQLError, Lexer, Source, TokenKind } from 'graphql';
import { tooManyTokens } from './errors';

/** Tokens in `text` (comments excluded), counting no further than `stopAfter`. */
export function countTokens(text: string, stopAfter: number): number {
  const lexer = new Lexer(new Source(text));
  let count = 0;
  try {
    while (count <= stopAfter && lexer.advance().kind !== TokenKind.EOF) count += 1;
  } catch (error) {
    // A lexical error: whatever parses the text next reports it, with its location.
    if (!(error instanceof GraphQLError)) throw error;
  }
  return count;
}

/** TOO_MANY_TOKENS for a document over `maxTokens` (0: no limit), else undefined. */
export function checkTokens(text: string, maxTokens: number): GraphQLError | undefined {
  if (maxTokens > 0 && countTokens(text, maxTokens) > maxTokens) return tooManyTokens(maxTokens);
  return undefined;
}
