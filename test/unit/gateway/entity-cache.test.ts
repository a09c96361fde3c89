// The gateway's entity cache against the in-memory generations and a subgraph that records what
// it is asked: a repeated fetch costs nothing, a bumped entity is fetched again, a change that
// commits during a fetch never leaves an old entity behind, and errors are never cached.
import { selectsOnlyCacheableFields } from '../../../gateway/entities/cacheable-query';
import { EntityCache, type EntityReference, type LookupResult } from '../../../gateway/entities/entity-cache';
import type { SubgraphResponse } from '../../../gateway/entities/representations';
import { CACHED_ENTITIES } from '../../../shared/cache/cached-entities';
import { InMemoryEntityGenerations } from '../../../shared/cache/entity-generations';
import { createLogger } from '../../../shared/logger';

const QUERY =
  'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name stock price{amount currency}}}}';
const fields = CACHED_ENTITIES.Product.fields;
const product = (id: string): EntityReference => ({ __typename: 'Product', id });

/** A product subgraph in memory: answers from `catalogue`, and records each fetch's ids. */
function subgraph(catalogue: Record<string, { name: string; stock: number } | null>) {
  const fetches: string[][] = [];
  const fetch = async (representations: EntityReference[]): Promise<SubgraphResponse> => {
    fetches.push(representations.map((representation) => representation.id));
    return { data: { _entities: representations.map(({ id }) => (catalogue[id] ? { ...catalogue[id] } : null)) } };
  };
  return { fetches, fetch };
}

let generations: InMemoryEntityGenerations;
let detach: () => void;
let lookups: Record<LookupResult, number>;
let cache: EntityCache;

beforeEach(() => {
  generations = new InMemoryEntityGenerations();
  detach = generations.attachWriter();
  lookups = { hit: 0, miss: 0, bypass: 0 };
  cache = new EntityCache({
    type: 'Product',
    fields,
    generations,
    logger: createLogger('entity-cache-test', 'silent'),
    onLookup: (result, count) => (lookups[result] += count),
  });
});

const entitiesOf = (response: SubgraphResponse) => response.data?._entities as unknown[];

describe('entity cache', () => {
  it('should answer a repeated fetch without asking the subgraph, with copies of what it keeps', async () => {
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 }, b: { name: 'B', stock: 2 } });
    const first = await cache.fetch(QUERY, {}, [product('a'), product('b')], fetch);
    (entitiesOf(first)[0] as { name: string }).name = 'changed by a later merge';
    const second = await cache.fetch(QUERY, {}, [product('b'), product('a')], fetch);
    expect(entitiesOf(second)).toEqual([
      { name: 'B', stock: 2 },
      { name: 'A', stock: 1 },
    ]);
    expect(fetches).toEqual([['a', 'b']]);
    expect(lookups).toEqual({ hit: 2, miss: 2, bypass: 0 });
  });

  it('should fetch only the misses and put the answer back in order', async () => {
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 }, b: { name: 'B', stock: 2 }, c: { name: 'C', stock: 3 } });
    await cache.fetch(QUERY, {}, [product('b')], fetch);
    const response = await cache.fetch(QUERY, {}, [product('a'), product('b'), product('c')], fetch);
    expect(entitiesOf(response).map((entity) => (entity as { name: string }).name)).toEqual(['A', 'B', 'C']);
    expect(fetches).toEqual([['b'], ['a', 'c']]);
  });

  it('should fetch a product again once its generation is bumped', async () => {
    const catalogue = { a: { name: 'A', stock: 1 } };
    const { fetches, fetch } = subgraph(catalogue);
    await cache.fetch(QUERY, {}, [product('a')], fetch);
    catalogue.a.stock = 0;
    await generations.bump('Product', ['a']);
    expect(entitiesOf(await cache.fetch(QUERY, {}, [product('a')], fetch))).toEqual([{ name: 'A', stock: 0 }]);
    expect(fetches).toHaveLength(2);
  });

  it('should never serve what a fetch read before a change that committed while it ran', async () => {
    const catalogue = { a: { name: 'A', stock: 5 } };
    const { fetch } = subgraph(catalogue);
    // The subgraph reads the old row; the change commits and is bumped before the answer arrives.
    const racing = async (representations: EntityReference[]) => {
      const answer = await fetch(representations);
      catalogue.a.stock = 4;
      await generations.bump('Product', ['a']);
      return answer;
    };
    expect(entitiesOf(await cache.fetch(QUERY, {}, [product('a')], racing))).toEqual([{ name: 'A', stock: 5 }]);
    expect(entitiesOf(await cache.fetch(QUERY, {}, [product('a')], fetch))).toEqual([{ name: 'A', stock: 4 }]);
  });

  it('should keep neither missing entities nor ones with errors, and point errors at their positions', async () => {
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 }, b: { name: 'B', stock: 2 } });
    await cache.fetch(QUERY, {}, [product('b')], fetch);
    const failing = async (representations: EntityReference[]): Promise<SubgraphResponse> => {
      fetches.push(representations.map((representation) => representation.id));
      return {
        data: { _entities: [{ name: 'A', stock: null }, null] },
        errors: [{ message: 'stock failed', path: ['_entities', 0, 'stock'] }],
      };
    };
    const response = await cache.fetch(QUERY, {}, [product('b'), product('a'), product('gone')], failing);
    expect(entitiesOf(response)).toEqual([{ name: 'B', stock: 2 }, { name: 'A', stock: null }, null]);
    expect(response.errors).toEqual([{ message: 'stock failed', path: ['_entities', 1, 'stock'] }]);
    await cache.fetch(QUERY, {}, [product('a'), product('gone')], fetch);
    expect(fetches).toEqual([['b'], ['a', 'gone'], ['a', 'gone']]);
  });

  it('should keep nothing from an answer with an error about no entity in particular', async () => {
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 } });
    const failing = async (representations: EntityReference[]) => ({
      ...(await fetch(representations)),
      errors: [{ message: 'partial' }],
    });
    await cache.fetch(QUERY, {}, [product('a')], failing);
    await cache.fetch(QUERY, {}, [product('a')], fetch);
    expect(fetches).toHaveLength(2);
  });

  it('should key entries by the query and its other variables', async () => {
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 } });
    const other = QUERY.replace('stock ', 'stock@include(if:$withStock) ');
    await cache.fetch(QUERY, {}, [product('a')], fetch);
    await cache.fetch(other, { withStock: true }, [product('a')], fetch);
    await cache.fetch(other, { withStock: false }, [product('a')], fetch);
    await cache.fetch(other, { withStock: true, representations: [] }, [product('a')], fetch);
    expect(fetches).toHaveLength(3);
  });

  it('should fetch everything, keeping nothing, while generations are unreadable', async () => {
    detach();
    const { fetches, fetch } = subgraph({ a: { name: 'A', stock: 1 } });
    await cache.fetch(QUERY, {}, [product('a')], fetch);
    await cache.fetch(QUERY, {}, [product('a')], fetch);
    expect(fetches).toHaveLength(2);
    expect(lookups.bypass).toBe(2);
  });

  it('should handle only fetches of bare product references with cacheable selections', () => {
    expect(cache.handles(QUERY, [product('a')])).toBe(true);
    expect(cache.handles(QUERY, [{ ...product('a'), sku: 'X' }])).toBe(false);
    expect(cache.handles(QUERY, [{ __typename: 'User', id: 'a' }])).toBe(false);
    expect(cache.handles(QUERY.replace('name', 'category{productCount}'), [product('a')])).toBe(false);
  });
});

describe('cacheable selections', () => {
  const cacheable = (query: string) => selectsOnlyCacheableFields(query, 'Product', fields);
  const entities = (selection: string, rest = '') =>
    `query($representations:[_Any!]!){_entities(representations:$representations){${selection}}}${rest}`;

  it("should accept the product's own fields, its price and its category's name", () => {
    expect(cacheable(entities('__typename ...on Product{id sku name price{amount currency} category{id name}}'))).toBe(true);
    expect(cacheable(entities('...on Product{n:name ...on Product{stock}}'))).toBe(true);
    expect(cacheable(entities('...P', 'fragment P on Product{name category{...C}} fragment C on Category{name}'))).toBe(true);
  });

  it('should refuse fields that depend on other products, unknown fields, other types and other operations', () => {
    expect(cacheable(entities('...on Product{category{products{stock}}}'))).toBe(false);
    expect(cacheable(entities('...on Product{category{productCount}}'))).toBe(false);
    expect(cacheable(entities('...on Product{reviews}'))).toBe(false);
    expect(cacheable(entities('...on Category{name}'))).toBe(false);
    expect(cacheable(entities('...on Product{price}'))).toBe(false);
    expect(cacheable(entities('...on Product{name @custom}'))).toBe(false);
    expect(cacheable('{ product(id: "a") { name } }')).toBe(false);
    expect(
      cacheable('query($representations:[_Any!]!){_entities(representations:$representations){...on Product{name}} __typename}'),
    ).toBe(false);
    expect(cacheable('not graphql')).toBe(false);
  });
});
