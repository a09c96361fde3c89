// The entities the gateway caches, and the contract with the subgraph that owns each: the
// subgraph bumps an entity's generation (entity-generations.ts) after every committed change to
// any field listed here. Only selections within these fields are cached, so a field whose value
// depends on anything else (other rows, the caller) must stay off the list; a new field is simply
// not cached until it is added.
import type { SubgraphName } from '../services';

/** Fields that may be cached; an object field lists its own selectable fields. */
export interface CacheableFields {
  readonly [field: string]: true | CacheableFields;
}

export interface CachedEntity {
  /** The subgraph that resolves it and bumps its generations. */
  subgraph: SubgraphName;
  fields: CacheableFields;
}

const MONEY: CacheableFields = { amount: true, currency: true };

export const CACHED_ENTITIES = {
  Product: {
    subgraph: 'product',
    // Not `category { products productCount }`: those change with other products.
    fields: {
      id: true,
      sku: true,
      name: true,
      description: true,
      price: MONEY,
      stock: true,
      inStock: true,
      createdAt: true,
      updatedAt: true,
      // No mutation changes a category's fields; one that renames must bump its products.
      category: { id: true, name: true, createdAt: true },
    },
  },
} as const satisfies Record<string, CachedEntity>;

export type CachedEntityType = keyof typeof CACHED_ENTITIES;

/** The cached entity type the subgraph `name` owns, if any. */
export function cachedEntityOf(name: string): { type: CachedEntityType; entity: CachedEntity } | undefined {
  for (const [type, entity] of Object.entries(CACHED_ENTITIES) as [CachedEntityType, CachedEntity][]) {
    if (entity.subgraph === name) return { type, entity };
  }
  return undefined;
}
