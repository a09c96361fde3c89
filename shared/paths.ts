import path from 'node:path';
import type { SubgraphName } from './services';

export const ROOT_DIR = path.resolve(__dirname, '..');

export const prismaPaths = (name: SubgraphName) => {
  const dir = path.join(ROOT_DIR, 'prisma', name);
  return { dir, schema: path.join(dir, 'schema.prisma'), migrations: path.join(dir, 'migrations') };
};

export const subgraphSchemaPath = (name: SubgraphName) => path.join(ROOT_DIR, 'subgraphs', name, 'schema.graphql');
