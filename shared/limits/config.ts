// A subgraph's own query limits. The gateway already holds clients to its limits (MAX_QUERY_DEPTH,
// MAX_ALIASES, MAX_TOKENS, MAX_QUERY_COST); these bound what anything inside the cluster may ask of
// a subgraph directly, and must let through every fetch the gateway's query planner makes of an
// operation the gateway accepted (test/subgraphs/limits.test.ts plans them all).
import type { EnvReader } from '../env';
import { defaultOf } from '../variables';
import type { QueryLimits } from './operation-limits';

/** The defaults of SUBGRAPH_MAX_QUERY_DEPTH, ... (the registry says why these). */
export const DEFAULT_SUBGRAPH_QUERY_LIMITS: QueryLimits = {
  maxDepth: defaultOf('SUBGRAPH_MAX_QUERY_DEPTH'),
  maxAliases: defaultOf('SUBGRAPH_MAX_ALIASES'),
  // Not counted: BODY_LIMIT_BYTES bounds a document's length.
  maxTokens: 0,
  maxCost: defaultOf('SUBGRAPH_MAX_QUERY_COST'),
};

/** SUBGRAPH_MAX_QUERY_DEPTH, SUBGRAPH_MAX_ALIASES, SUBGRAPH_MAX_QUERY_COST; 0 turns one off. */
export function readSubgraphQueryLimits(env: EnvReader): QueryLimits {
  return {
    maxDepth: env.int('SUBGRAPH_MAX_QUERY_DEPTH'),
    maxAliases: env.int('SUBGRAPH_MAX_ALIASES'),
    maxTokens: DEFAULT_SUBGRAPH_QUERY_LIMITS.maxTokens,
    maxCost: env.int('SUBGRAPH_MAX_QUERY_COST'),
  };
}
