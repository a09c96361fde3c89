// What the order subgraph asks of other subgraphs when an order is placed (the questions:
// catalog.user.graphql, catalog.product.graphql). Each question is one `_entities` request,
// however many products an order has; an unreachable service becomes SERVICE_UNAVAILABLE
// (SubgraphClient), so a caller never writes on half an answer.
import type { Registry } from 'prom-client';
import type { Viewer } from '../../shared/auth/identity';
import { SubgraphClient, type EntityOf } from '../../shared/http/subgraph-client';
import type { Logger } from '../../shared/logger';
import type { OrderConfig } from './config';
import { CatalogProductsDocument, type CatalogProductsQuery } from './generated/catalog.product';
import { CatalogUsersDocument } from './generated/catalog.user';

/** A product as the catalog has it right now: what an order item snapshots. */
export type CatalogProduct = EntityOf<CatalogProductsQuery>;

export interface Catalog {
  /** Whether the user exists, as far as `viewer` may know. */
  userExists(id: string, viewer: Viewer): Promise<boolean>;
  /** One entry per id, in order; null where the product does not exist. Products are public. */
  products(ids: readonly string[]): Promise<(CatalogProduct | null)[]>;
}

export function createCatalog(
  config: Pick<OrderConfig, 'userSubgraphUrl' | 'productSubgraphUrl' | 'internal' | 'peerCalls'>,
  logger: Logger,
  registry?: Registry,
): Catalog {
  const peer = { caller: 'order', internal: config.internal, logger, calls: config.peerCalls, registry };
  const users = new SubgraphClient({ service: 'user', url: config.userSubgraphUrl, ...peer });
  const products = new SubgraphClient({ service: 'product', url: config.productSubgraphUrl, ...peer });
  return {
    async userExists(id, viewer) {
      const [user] = await users.entities(CatalogUsersDocument, [id], viewer);
      return Boolean(user);
    },
    products: (ids) => products.entities(CatalogProductsDocument, ids),
  };
}
