// What the order subgraph asks of other subgraphs when an order is placed. Each question is one
// `_entities` request, however many products an order has; an unreachable service becomes
// SERVICE_UNAVAILABLE (SubgraphClient), so a caller never writes on half an answer.
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
  userExists(id: string): Promise<boolean>;
  /** One entry per id, in order; null where the product does not exist. */
  products(ids: readonly string[]): Promise<(CatalogProduct | null)[]>;
}

export function createCatalog(config: Pick<OrderConfig, 'userSubgraphUrl' | 'productSubgraphUrl'>, logger: Logger): Catalog {
  const users = new SubgraphClient({ service: 'user', url: config.userSubgraphUrl, logger });
  const products = new SubgraphClient({ service: 'product', url: config.productSubgraphUrl, logger });
  return {
    async userExists(id) {
      const [user] = await users.entities<{ id: string }>('User', [id], 'id');
      return Boolean(user);
    },
    products: (ids) => products.entities<CatalogProduct>('Product', ids, 'id name price { amount currency }'),
  };
}
