import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SubgraphConfig } from '../config';
import { acquireEmbedded, isEmbeddedUrl } from './embedded';

/**
 * The driver adapter for a database URL: node-postgres with a pool of `poolSize` for a server,
 * or the process's PGlite instance for an embedded database (`pglite:<directory>`). Disconnecting
 * the client (or the engine) that uses it lets go of the embedded database.
 */
export function databaseAdapter(url: string, poolSize: number): SqlDriverAdapterFactory {
  if (!isEmbeddedUrl(url)) return new PrismaPg({ connectionString: url, max: poolSize });
  // Required lazily, as PGlite itself: a server deployment never loads either.
  const { PrismaPGlite } = require('pglite-prisma-adapter') as typeof import('pglite-prisma-adapter');
  // The database is joined at connect, not before: a client that never connects holds nothing.
  const connect = async () => {
    const handle = acquireEmbedded(url);
    const adapter = await new PrismaPGlite(handle.pglite).connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await handle.release();
    };
    return adapter;
  };
  // A client needs no shadow database (migrations bring their own adapter): connect is all.
  return { provider: 'postgres', adapterName: 'pglite-prisma-adapter', connect };
}

/**
 * Client options shared by every subgraph: query events on, so statements can be counted, and
 * transactions that wait up to 5 s for a free connection (Prisma's 2 s failed bursts such as 100
 * orders at once on a busy machine; past that the caller gets SERVICE_UNAVAILABLE to retry).
 */
export function prismaClientOptions(config: Pick<SubgraphConfig, 'databaseUrl' | 'databasePoolSize'>) {
  return {
    adapter: databaseAdapter(config.databaseUrl, config.databasePoolSize),
    log: [{ emit: 'event' as const, level: 'query' as const }],
    transactionOptions: { maxWait: 5_000 },
  };
}
