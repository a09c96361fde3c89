// What the order subgraph asks of other subgraphs when an order is placed. Each question is one
// `_entities` request, however many products an order has; an unreachable service becomes
// SERVICE_UNAVAILABLE (SubgraphClient), so a caller never writes on half an answer.
import type { Registry } from 'prom-client';
import type { Viewer } from '../../shared/auth/identity';
import { SubgraphClient } from '../../shared/http/subgraph-client';
import type { Logger } from '../../shared/logger';
import type { Money } from '../../shared/money';
import type { OrderConfig } from './config';

/** A product as the catalog has it right now: what an order item snapshots. */
export interface CatalogProduct {
  id: string;
  name: string;
  price: Money;
}

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
      const [user] = await users.entities<{ id: string }>('User', [id], 'id', viewer);
      return Boolean(user);
    },
    products: (ids) => products.entities<CatalogProduct>('Product', ids, 'id name price { amount currency }'),
  };
}
