import { PrismaPg } from '@prisma/adapter-pg';
import type { SubgraphConfig } from '../config';

/** The driver adapter every subgraph's Prisma client runs on: node-postgres, one pool per process. */
export function createDatabaseAdapter(config: Pick<SubgraphConfig, 'databaseUrl' | 'databasePoolSize'>): PrismaPg {
  return new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize });
}

/** Client options shared by every subgraph: query events on, so statements can be counted. */
export function prismaClientOptions(config: Pick<SubgraphConfig, 'databaseUrl' | 'databasePoolSize'>) {
  return {
    adapter: createDatabaseAdapter(config),
    log: [{ emit: 'event' as const, level: 'query' as const }],
  };
}
