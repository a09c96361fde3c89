import { buildSchema } from 'graphql';
import { OperationLimits } from '../../../shared/limits/operation-limits';
import { DocumentCache } from '../../../gateway/subscriptions/document-cache';

const schema = buildSchema(`type Query { hello: String } type Subscription { ticks: Int }`);

describe('DocumentCache', () => {
  it('should parse and validate a text once, and hand the same document to every subscriber', () => {
    const cache = new DocumentCache();
    const first = cache.check(schema, 'subscription { ticks }');
    const second = cache.check(schema, 'subscription { ticks }');
    expect('document' in first && 'document' in second && first.document === second.document).toBe(true);
  });

  it('should remember validation and syntax errors too', () => {
    const cache = new DocumentCache();
    const invalid = cache.check(schema, 'subscription { nope }');
    expect('errors' in invalid && invalid.errors[0]?.message).toMatch(/Cannot query field "nope"/);
    expect(cache.check(schema, 'subscription { nope }')).toBe(invalid);
    const broken = cache.check(schema, 'subscription {');
    expect('errors' in broken && broken.errors[0]?.message).toMatch(/Syntax Error/);
  });

  it('should code every refusal as Apollo does over HTTP, also where graphql-js throws instead of reporting', () => {
    const cache = new DocumentCache();
    const codes = (query: string) => {
      const checked = cache.check(schema, query);
      return 'errors' in checked ? checked.errors.map((error) => [error.extensions.code, error.message]) : [];
    };
    expect(codes('subscription { nope }')).toEqual([
      ['GRAPHQL_VALIDATION_FAILED', expect.stringMatching(/Cannot query field "nope"/)],
    ]);
    expect(codes('subscription {')).toEqual([['GRAPHQL_PARSE_FAILED', expect.stringMatching(/Syntax Error/)]]);
    // graphql-js's SingleFieldSubscriptionsRule throws on a root field conditioned on a variable.
    expect(codes('subscription ($on: Boolean!) { ticks @include(if: $on) }')).toEqual([
      ['GRAPHQL_VALIDATION_FAILED', expect.any(String)],
    ]);
  });

  it('should check again against a new schema, and forget the least recently used text beyond its capacity', () => {
    const cache = new DocumentCache({ capacity: 2 });
    const before = cache.check(schema, 'subscription { ticks }');
    const renamed = buildSchema(`type Query { hello: String } type Subscription { tocks: Int }`);
    const after = cache.check(renamed, 'subscription { ticks }');
    expect('document' in before).toBe(true);
    expect('errors' in after).toBe(true);

    const a = cache.check(schema, '{ hello }');
    cache.check(schema, 'subscription { ticks }');
    cache.check(schema, '{ a: hello }');
    expect(cache.check(schema, '{ hello }')).not.toBe(a);
  });

  it('should refuse texts over the query limits that depend on the text alone, and remember that too', () => {
    const limits = new OperationLimits({ maxDepth: 1, maxAliases: 1, maxTokens: 8, maxCost: 0 });
    const cache = new DocumentCache({ limits });
    const codes = (query: string) => {
      const checked = cache.check(schema, query);
      return 'errors' in checked ? checked.errors.map((error) => error.extensions.code) : [];
    };
    expect(codes('{ a: hello hello }')).toEqual([]);
    expect(codes('{ a: hello b: hello }')).toEqual(['TOO_MANY_ALIASES']);
    expect(codes('{ hello hello hello hello hello hello hello }')).toEqual(['TOO_MANY_TOKENS']);
    const overLimit = cache.check(schema, '{ a: hello b: hello }');
    expect(cache.check(schema, '{ a: hello b: hello }')).toBe(overLimit);
  });
});
