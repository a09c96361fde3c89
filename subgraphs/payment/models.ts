// What this subgraph's resolvers return for the GraphQL types that are not a Prisma row.
// codegen.ts maps each type to its model here, so the generated `Resolvers` checks every
// resolver against it and hands it to field resolvers as their parent.

/** `Order`: the order subgraph owns orders; here an order is the id its payments point at. */
export interface EntityReference {
  id: string;
}
