import { PrismaClient } from '../../prisma/payment/generated/client';
import type { DatabaseConfig } from '../../shared/config';
import { prismaClientOptions } from '../../shared/db/prisma';

export function createDb(config: DatabaseConfig) {
  return new PrismaClient(prismaClientOptions(config));
}

export type Db = ReturnType<typeof createDb>;
