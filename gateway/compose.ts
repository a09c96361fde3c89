// `npm run compose`: composes the subgraphs listed in supergraph.yaml into the supergraph SDL the
// gateway serves (gateway/supergraph.graphql, committed). `npm run compose -- --check` fails
// when the committed file is stale. Built on @apollo/composition, the library rover uses.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { ROOT_DIR } from '../shared/paths';
import { readSupergraphConfig, SUPERGRAPH_SDL } from './supergraph-files';

export { readSupergraphConfig, SUPERGRAPH_CONFIG, SUPERGRAPH_SDL, type SubgraphSource } from './supergraph-files';

export type CompositionOutcome = { ok: true; supergraphSdl: string; hints: string[] } | { ok: false; errors: string[] };

export function composeSupergraph(sources = readSupergraphConfig()): CompositionOutcome {
  const errors: string[] = [];
  const services = sources.flatMap(({ name, url, file }) => {
    try {
      return [{ name, url, typeDefs: parse(readFileSync(file, 'utf8')) }];
    } catch (error) {
      errors.push(`[${name}] ${path.relative(ROOT_DIR, file)}: ${(error as Error).message}`);
      return [];
    }
  });
  if (errors.length) return { ok: false, errors };
  const result = composeServices(services);
  if (result.errors) {
    return {
      ok: false,
      errors: result.errors.map((error) => {
        const code = typeof error.extensions?.code === 'string' ? `${error.extensions.code}: ` : '';
        return `${code}${error.message}`;
      }),
    };
  }
  return {
    ok: true,
    supergraphSdl: `${result.supergraphSdl.trimEnd()}\n`,
    hints: result.hints.map((hint) => `${hint.definition.code}: ${hint.message}`),
  };
}

function main(): void {
  const check = process.argv.includes('--check');
  const outcome = composeSupergraph();
  if (!outcome.ok) {
    console.error(`Composition failed with ${outcome.errors.length} error(s):\n`);
    for (const error of outcome.errors) console.error(`  - ${error.replace(/\n/g, '\n    ')}`);
    process.exit(1);
  }
  for (const hint of outcome.hints) console.warn(`hint: ${hint}`);
  const current = existsSync(SUPERGRAPH_SDL) ? readFileSync(SUPERGRAPH_SDL, 'utf8') : '';
  const relative = path.relative(process.cwd(), SUPERGRAPH_SDL);
  if (check) {
    if (current !== outcome.supergraphSdl) {
      console.error(`${relative} is stale: run \`npm run compose\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${relative} is up to date.`);
    return;
  }
  writeFileSync(SUPERGRAPH_SDL, outcome.supergraphSdl);
  console.log(current === outcome.supergraphSdl ? `${relative} unchanged.` : `wrote ${relative}`);
}

if (require.main === module) main();
