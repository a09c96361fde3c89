// A subgraph's own query limits. The gateway already holds clients to its limits (MAX_QUERY_DEPTH,
// MAX_ALIASES, MAX_TOKENS, MAX_QUERY_COST); these bound what anything inside the cluster may ask of
// a subgraph directly, and must let through every fetch the gateway's query planner makes of an
// operation the gateway accepted (test/subgraphs/limits.test.ts plans them all).
import type { EnvReader } from '../env';
import type { QueryLimits } from './operation-limits';

/**
 * - Depth 15: a planned fetch is never deeper than the client's operation (an entity fetch starts
 *   at `_entities` where the client's path reached the entity), so the gateway's 10 plus room.
 * - Aliases 30: the client's aliases (the gateway allows 10) pass through, and the planner adds its
 *   own where two selections of one response name have different types.
 * - Cost 50,000: five times the gateway's 10,000. The gateway charges lists that take no `first`
 *   (an order's items) as 10 elements, but an order holds up to 50 items, and an entity fetch here
 *   is charged per representation actually sent: 100 orders × 50 items is 5,000 products.
 * - Tokens are not counted (0): BODY_LIMIT_BYTES bounds a document's length.
 */
export const DEFAULT_SUBGRAPH_QUERY_LIMITS: QueryLimits = { maxDepth: 15, maxAliases: 30, maxTokens: 0, maxCost: 50_000 };

/** SUBGRAPH_MAX_QUERY_DEPTH, SUBGRAPH_MAX_ALIASES, SUBGRAPH_MAX_QUERY_COST; 0 turns one off. */
export function readSubgraphQueryLimits(env: EnvReader): QueryLimits {
  const limit = (name: string, fallback: number) => env.int(name, fallback, { min: 0, max: 1_000_000_000 });
  const defaults = DEFAULT_SUBGRAPH_QUERY_LIMITS;
  return {
    maxDepth: limit('SUBGRAPH_MAX_QUERY_DEPTH', defaults.maxDepth),
    maxAliases: limit('SUBGRAPH_MAX_ALIASES', defaults.maxAliases),
    maxTokens: defaults.maxTokens,
    maxCost: limit('SUBGRAPH_MAX_QUERY_COST', defaults.maxCost),
  };
}
