// Representation deduplication of `_entities` fetches: each distinct representation is sent once,
// and the answer reaches the rest of the gateway as if every occurrence had been sent.
import {
  distinctRepresentations,
  spreadEntities,
  stableJson,
  type SubgraphResponse,
} from '../../../gateway/entities/representations';

const product = (id: string) => ({ __typename: 'Product', id });

describe('distinctRepresentations', () => {
  it('should keep each representation once, in order of first occurrence, with every position it stood at', () => {
    const { distinct, positions, total } = distinctRepresentations([product('a'), product('b'), product('a'), product('a')]);
    expect(distinct).toEqual([product('a'), product('b')]);
    expect(positions).toEqual([[0, 2, 3], [1]]);
    expect(total).toBe(4);
  });

  it('should compare by value, whatever the order of keys', () => {
    const { distinct } = distinctRepresentations([
      { __typename: 'Order', id: '1', user: { id: 'u', __typename: 'User' } },
      { user: { __typename: 'User', id: 'u' }, id: '1', __typename: 'Order' },
      { __typename: 'Order', id: '2', user: { __typename: 'User', id: 'u' } },
    ]);
    expect(distinct).toHaveLength(2);
  });

  it('should tell apart values that only look alike', () => {
    expect(stableJson({ id: '1' })).not.toBe(stableJson({ id: 1 }));
    expect(stableJson({ id: null })).not.toBe(stableJson({}));
    expect(stableJson([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
  });
});

describe('spreadEntities', () => {
  it('should give every position its entity, copies apart from the first, nulls included', () => {
    const representations = [product('a'), product('gone'), product('a'), product('gone'), product('b')];
    const deduplicated = distinctRepresentations(representations);
    const a = { name: 'A', category: { name: 'Lamps' } };
    const response: SubgraphResponse = { data: { _entities: [a, null, { name: 'B' }] } };
    const entities = spreadEntities(response, deduplicated).data?._entities as unknown[];
    expect(entities).toEqual([a, null, a, null, { name: 'B' }]);
    expect(entities[0]).toBe(a);
    // The gateway merges later fetches into entities in place: occurrences must not share objects.
    expect(entities[2]).not.toBe(a);
    expect((entities[2] as typeof a).category).not.toBe(a.category);
  });

  it('should move an error about an entity to every position of its representation', () => {
    const deduplicated = distinctRepresentations([product('a'), product('b'), product('a')]);
    const response: SubgraphResponse = {
      data: { _entities: [{ name: null }, { name: 'B' }] },
      errors: [
        { message: 'name failed', path: ['_entities', 0, 'name'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        { message: 'about the whole fetch' },
      ],
    };
    expect(spreadEntities(response, deduplicated).errors).toEqual([
      { message: 'name failed', path: ['_entities', 0, 'name'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { message: 'name failed', path: ['_entities', 2, 'name'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { message: 'about the whole fetch' },
    ]);
  });

  it('should spread errors of a failed fetch that returned no data', () => {
    const deduplicated = distinctRepresentations([product('a'), product('a')]);
    const response: SubgraphResponse = { data: null, errors: [{ message: 'down', path: ['_entities', 0] }] };
    const spread = spreadEntities(response, deduplicated);
    expect(spread.data).toBeNull();
    expect(spread.errors?.map((error) => error.path)).toEqual([
      ['_entities', 0],
      ['_entities', 1],
    ]);
  });

  it('should leave an answer with the wrong number of entities for the gateway to report', () => {
    const deduplicated = distinctRepresentations([product('a'), product('a'), product('b')]);
    const response: SubgraphResponse = { data: { _entities: [{ name: 'A' }] } };
    expect(spreadEntities(response, deduplicated).data).toEqual({ _entities: [{ name: 'A' }] });
  });

  it('should return an answer without repeated representations as it is', () => {
    const deduplicated = distinctRepresentations([product('a'), product('b')]);
    const response: SubgraphResponse = { data: { _entities: [{ name: 'A' }, { name: 'B' }] } };
    expect(spreadEntities(response, deduplicated)).toBe(response);
  });
});
