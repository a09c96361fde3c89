// The gateway caches Product entities (shared/cache/cached-entities.ts) by generation: every
// committed change to a product's cached fields bumps it, after the commit and before anyone can
// hear of the change (the mutation's answer, the event it causes), so no client reads the product
// as it was once the change is known.
//
// A bump is a side effect after the commit, and never the reason a committed change is reported
// as failed: when Redis cannot take it (unreachable, or no answer within its command timeout), it
// goes to the outbox as ProductGenerationsDeferred, and the relay makes it before publishing that
// event or any later one. Readers meanwhile do without their cache (Redis unreachable for them
// too, and for a while after: shared/cache/entity-generations.ts).
import type { CachedEntityType } from '../../shared/cache/cached-entities';
import type { EntityGenerations } from '../../shared/cache/entity-generations';
import { isEvent, type EventEnvelope, type OrderLine } from '../../shared/events/contracts';
import { enqueueEvent, type SqlExecutor } from '../../shared/events/outbox';
import type { Logger } from '../../shared/logger';

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
 * The generations the product subgraph's resolvers and event handlers bump: `writer`'s, where a
 * bump that fails is deferred to the outbox in `db` instead, so a bump never fails. Bounded in
 * time by the Redis command timeout and one INSERT.
 */
export function deferringGenerations(writer: EntityGenerations, db: SqlExecutor, logger: Logger): EntityGenerations {
  return {
    read: (type, ids) => writer.read(type, ids),
    async bump(type, ids) {
      try {
        await writer.bump(type, ids);
        return;
      } catch (error) {
        if (type !== PRODUCT) throw error;
        logger.warn({ err: error, productIds: ids }, 'entity generations not bumped: deferred to the outbox relay');
      }
      try {
        await enqueueEvent(db, 'ProductGenerationsDeferred', { productIds: [...new Set(ids)] });
      } catch (error) {
        // The change is committed all the same; only a gateway that reached Redis all along may
        // serve the product as it was, until its entry expires (60 s at most).
        logger.error({ err: error, productIds: ids }, 'entity generation bump lost: neither Redis nor the outbox took it');
      }
    },
  };
}

/**
 * The relay's hook, bumping the products of stock events and deferred bumps before they are
 * published: an order is never seen CONFIRMED while the cache still holds its products' old
 * stock, even when the handler that reserved it died between commit and its own bump. It bumps
 * `writer` directly: a failure leaves the batch in the outbox for the next attempt.
 */
export function bumpBeforeProductEvents(writer: EntityGenerations): (events: EventEnvelope[]) => Promise<void> {
  return (events) => productsChanged(writer, events.flatMap(changedProducts));
}

function changedProducts(event: EventEnvelope): string[] {
  if (isEvent(event, 'StockReserved') || isEvent(event, 'StockReleased'))
    return event.payload.items.map((line) => line.productId);
  if (isEvent(event, 'ProductGenerationsDeferred')) return event.payload.productIds;
  return [];
}
