// The four subgraphs, named once. Everything that needs to enumerate them (composition,
// migrations, seeding, the dev launcher, the test harness) reads this list.
export const SUBGRAPHS = ['user', 'product', 'order', 'payment'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Ports used when nothing else is configured; supergraph.yaml and docker-compose.yml agree. */
export const DEFAULT_PORTS: Record<SubgraphName | 'gateway', number> = {
  gateway: 4000,
  user: 4001,
  product: 4002,
  order: 4003,
  payment: 4004,
};

/** `USER_DATABASE_URL`, `PRODUCT_DATABASE_URL`, ... */
export function databaseUrlVar(name: SubgraphName): string {
  return `${name.toUpperCase()}_DATABASE_URL`;
}

/** `USER_SUBGRAPH_URL`, ...: where the gateway and other services reach a subgraph. */
export function subgraphUrlVar(name: SubgraphName): string {
  return `${name.toUpperCase()}_SUBGRAPH_URL`;
}

export function isSubgraphName(value: string): value is SubgraphName {
  return (SUBGRAPHS as readonly string[]).includes(value);
}

/**
 * The order subgraphs start in: each wave after the subgraphs it calls (order calls user and
 * product, payment calls order), the subgraphs of one wave side by side.
 */
export const START_WAVES: readonly (readonly SubgraphName[])[] = [['user', 'product'], ['order'], ['payment']];

/** The URL of a service listening on `port` of this machine. */
export function localGraphQLUrl(port: number): string {
  return `http://127.0.0.1:${port}/graphql`;
}
