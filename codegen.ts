// `npm run codegen`: TypeScript types generated from the SDL, on every install (after the Prisma
// clients) and before every `npm run typecheck`. Like the Prisma clients they are build output,
// git-ignored, so they can never be stale: an SDL changed without its resolvers or callers fails
// the type-check.
//   subgraphs/<name>/generated/graphql.ts            `Resolvers`, the type of each resolver map
//   subgraphs/<name>/generated/<module>.<called>.ts  typed `_entities` queries to another subgraph
//   operations/generated/graphql.ts                  typed example operations (the gateway's API)
//   web/src/generated/                               the storefront's `graphql()` and its typed documents
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { parse, printSchema } from 'graphql';
import { SUPERGRAPH_SDL } from './gateway/supergraph-files';
import { ROOT_DIR, subgraphSchemaPath } from './shared/paths';
import { isSubgraphName, SUBGRAPHS, type SubgraphName } from './shared/services';

/**
 * What a subgraph's resolvers hand to GraphQL for an object type, where it is not the generated
 * shape: a Prisma row (`prisma#`), shared/money.ts's Money (`money#`) or a type of the subgraph's
 * own models.ts (`models#`). Field resolvers then receive it as their parent.
 */
const MAPPERS: Record<SubgraphName, Record<string, `${'prisma' | 'money' | 'models'}#${string}`>> = {
  user: { User: 'prisma#User', UserConnection: 'models#UserConnection' },
  product: {
    Product: 'prisma#Product',
    Category: 'prisma#Category',
    ProductConnection: 'models#ProductConnection',
    Money: 'money#Money',
  },
  order: {
    Order: 'prisma#Order',
    OrderStatusChange: 'prisma#OrderStatusChange',
    OrderItem: 'models#PricedItem',
    OrderConnection: 'models#OrderConnection',
    User: 'models#EntityReference',
    Product: 'models#EntityReference',
    Money: 'money#Money',
  },
  payment: { Payment: 'prisma#Payment', Order: 'models#EntityReference', Money: 'money#Money' },
};

/** The module a mapper names, from subgraphs/<name>/generated/. */
function mapperModule(name: SubgraphName, mapper: string): string {
  const [module, type] = mapper.split('#');
  const from = { prisma: `../../../prisma/${name}/generated/client`, money: '../../../shared/money', models: '../models' };
  return `${from[module as keyof typeof from]}#${type}`;
}

/** Every output: imports are type-only (isolatedModules), enums are string unions like Prisma's. */
const common = { useTypeImports: true, enumsAsTypes: true };

/** The resolver types of one subgraph, from its SDL (federation: `__resolveReference` by @key). */
function resolverTypes(name: SubgraphName): Types.ConfiguredOutput {
  return {
    schema: path.relative(ROOT_DIR, subgraphSchemaPath(name)),
    plugins: ['typescript', 'typescript-resolvers'],
    config: {
      ...common,
      federation: true,
      useIndexSignature: false,
      contextType: '../context#Context',
      scalars: { DateTime: 'Date' },
      // Suffixed (`UserModel`), so a Prisma model never clashes with the generated type of its name.
      mapperTypeSuffix: 'Model',
      mappers: Object.fromEntries(Object.entries(MAPPERS[name]).map(([type, mapper]) => [type, mapperModule(name, mapper)])),
    },
  };
}

/** Operation types and typed documents (`XxxDocument`) of `documents`, checked against `schema`. */
function typedDocuments(schema: string, documents: string, scalars: Record<string, string>): Types.ConfiguredOutput {
  return {
    schema,
    documents,
    plugins: ['typescript-operations', 'typed-document-node'],
    // DateTime arrives as its JSON string.
    config: { ...common, scalars: { DateTime: 'string', ...scalars } },
  };
}

/**
 * A subgraph's schema as another service calls it: its SDL plus what federation adds (`_entities`,
 * `_Any`, the `_Entity` union), printed as SDL.
 */
function servedSchema(name: SubgraphName): string {
  const typeDefs = parse(readFileSync(subgraphSchemaPath(name), 'utf8'));
  return printSchema(buildSubgraphSchema([{ typeDefs }]));
}

/**
 * Queries one subgraph sends another (shared/http/subgraph-client.ts) live beside the module that
 * sends them, named `<module>.<called subgraph>.graphql`: subgraphs/order/catalog.product.graphql.
 */
function serviceCalls(): Record<string, Types.ConfiguredOutput> {
  const outputs: Record<string, Types.ConfiguredOutput> = {};
  for (const caller of SUBGRAPHS) {
    for (const file of readdirSync(path.join(ROOT_DIR, 'subgraphs', caller))) {
      const [, module, called] = /^(.+)\.(\w+)\.graphql$/.exec(file) ?? [];
      if (!module || !called) continue;
      if (!isSubgraphName(called)) throw new Error(`subgraphs/${caller}/${file}: ${called} is not a subgraph`);
      // `_Any`: what these callers send as representations, a type name and an id.
      outputs[`subgraphs/${caller}/generated/${module}.${called}.ts`] = typedDocuments(
        servedSchema(called),
        `subgraphs/${caller}/${file}`,
        { _Any: '{ __typename: string; id: string }' },
      );
    }
  }
  return outputs;
}

/** What clients may query: the supergraph without its join and link machinery. */
function apiSchema(): string {
  return printSchema(Supergraph.build(readFileSync(SUPERGRAPH_SDL, 'utf8')).apiSchema().toGraphQLJSSchema());
}

/**
 * The storefront's documents, written inline as graphql(`...`) in web/src (GraphQL Code Generator's
 * client preset): each call returns a TypedDocumentNode, so Apollo Client's hooks know the shape of
 * every result and variable. Unmasked fragments: the app reads what it selects, page by page.
 */
function storefront(schema: string): Types.ConfiguredOutput {
  return {
    schema,
    documents: ['web/src/**/*.{ts,tsx}', '!web/src/generated/**'],
    preset: 'client',
    presetConfig: { fragmentMasking: false },
    config: { ...common, scalars: { DateTime: 'string' } },
  };
}

const api = apiSchema();

const config: CodegenConfig = {
  // Quiet unless something fails: it runs on every install and type-check.
  silent: true,
  hooks: { onError: (message) => console.error(message) },
  generates: {
    ...Object.fromEntries(SUBGRAPHS.map((name) => [`subgraphs/${name}/generated/graphql.ts`, resolverTypes(name)])),
    ...serviceCalls(),
    // The example operations stay out of the image's build (.dockerignore): typed where they are.
    ...(existsSync(path.join(ROOT_DIR, 'operations')) && {
      'operations/generated/graphql.ts': typedDocuments(api, 'operations/*.graphql', {}),
    }),
    ...(existsSync(path.join(ROOT_DIR, 'web')) && { 'web/src/generated/': storefront(api) }),
  },
};

export default config;
