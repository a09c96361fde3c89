// Stock @apollo/gateway sends one representation per occurrence of an entity in the response so
// far: a customer's 10 orders name the same user 10 times, and a popular product 30 times. Each
// distinct representation is sent once, and the answer spread back over every position that
// asked for it, so the rest of the gateway sees exactly what stock Apollo would have received.
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import type { GraphQLFormattedError } from 'graphql';

export type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface DistinctRepresentations {
  distinct: unknown[];
  /** `positions[i]`: every index of the original list where `distinct[i]` stood. */
  positions: number[][];
  /** Length of the original list. */
  total: number;
}

/** Each representation once, compared by value (object key order does not matter). */
export function distinctRepresentations(representations: readonly unknown[]): DistinctRepresentations {
  const indexByJson = new Map<string, number>();
  const distinct: unknown[] = [];
  const positions: number[][] = [];
  representations.forEach((representation, position) => {
    const json = stableJson(representation);
    const index = indexByJson.get(json);
    if (index !== undefined) {
      positions[index]!.push(position);
      return;
    }
    indexByJson.set(json, distinct.length);
    distinct.push(representation);
    positions.push([position]);
  });
  return { distinct, positions, total: representations.length };
}

/**
 * Spreads the answer to `distinct` over the original positions: each entity to every position
 * of its representation (a copy for all but the first, since the gateway merges later fetches
 * into them in place), and each error at `["_entities", i, ...]` to every one of those positions
 * too, as stock Apollo would have received one error per occurrence. An answer whose
 * `_entities` is missing or of the wrong length is left to the gateway to report.
 */
export function spreadEntities(response: SubgraphResponse, { positions, total }: DistinctRepresentations): SubgraphResponse {
  if (positions.length === total) return response;
  const received: unknown = response.data?._entities;
  const spread = { ...response };
  if (Array.isArray(received) && received.length === positions.length) {
    const entities: unknown[] = new Array(total);
    positions.forEach((at, index) => {
      at.forEach((position, occurrence) => {
        entities[position] = occurrence === 0 ? received[index] : cloneJson(received[index]);
      });
    });
    spread.data = { ...response.data, _entities: entities };
  }
  if (response.errors) spread.errors = remapEntityErrors(response.errors, (index) => positions[index]);
  return spread;
}

/**
 * Moves errors at `["_entities", i, ...]` to `["_entities", j, ...]` for every j of `positionsOf(i)`;
 * other errors (no path, or an index it knows nothing of) stay as they are.
 */
export function remapEntityErrors(
  errors: readonly GraphQLFormattedError[],
  positionsOf: (index: number) => readonly number[] | undefined,
): GraphQLFormattedError[] {
  return errors.flatMap((error) => {
    const index = entityIndexOf(error);
    const positions = index === undefined ? undefined : positionsOf(index);
    if (!positions) return [error];
    return positions.map((position) => ({ ...error, path: ['_entities', position, ...error.path!.slice(2)] }));
  });
}

/** The entity an error is about, by its index in `_entities`; undefined when it names none. */
export function entityIndexOf(error: GraphQLFormattedError): number | undefined {
  const [field, index] = error.path ?? [];
  return field === '_entities' && typeof index === 'number' ? index : undefined;
}

/** JSON with every object's keys sorted: equal values, equal strings. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** A deep copy of a JSON value (what a subgraph answers: plain objects, arrays, primitives). */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) copy[key] = cloneJson((value as Record<string, unknown>)[key]);
    return copy as T;
  }
  return value;
}
