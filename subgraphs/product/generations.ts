// The gateway caches Product entities (shared/cache/cached-entities.ts) by generation: every
// committed change to a product's cached fields bumps it, after the commit and before anyone can
// hear of the change (the mutation's answer, the event it causes), so no client reads the product
// as it was once the change is known.
import type { CachedEntityType } from '../../shared/cache/cached-entities';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import { isEvent, type EventEnvelope, type OrderLine } from '../../shared/events/contracts';

const PRODUCT: CachedEntityType = 'Product';

export function productsChanged(generations: EntityGenerations, ids: readonly string[]): Promise<void> {
  return generations.bump(PRODUCT, ids);
}

/** A reservation or release changed the stock of these lines' products. */
export function stockChanged(generations: EntityGenerations, lines: readonly OrderLine[]): Promise<void> {
  return productsChanged(
    generations,
    lines.map((line) => line.productId),
  );
}

/**
 * The relay's hook, bumping the products of stock events before they are published: an order is
 * never seen CONFIRMED while the cache still holds its products' old stock, even when the
 * handler that reserved it died between commit and its own bump.
 */
export function bumpBeforeStockEvents(generations: EntityGenerations): (events: EventEnvelope[]) => Promise<void> {
  return (events) => stockChanged(generations, events.flatMap(stockLines));
}

function stockLines(event: EventEnvelope): OrderLine[] {
  return isEvent(event, 'StockReserved') || isEvent(event, 'StockReleased') ? event.payload.items : [];
}
