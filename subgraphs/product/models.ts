// What this subgraph's resolvers return for the GraphQL types that are not a Prisma row.
// codegen.ts maps each type to its model here, so the generated `Resolvers` checks every
// resolver against it and hands it to field resolvers as their parent.
import type { Prisma, Product } from '../../prisma/product/generated/client';
import type { Connection } from '../../shared/pagination';

/** `ProductConnection`: a page, plus the filter, so `totalCount` is only counted when asked for. */
export interface ProductConnection extends Connection<Product> {
  where: Prisma.ProductWhereInput;
}
