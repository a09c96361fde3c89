// Where the supergraph's sources and composed SDL live, without the composition library: the
// gateway and the dev launcher read these on every start.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT_DIR } from '../shared/paths';

export const SUPERGRAPH_CONFIG = path.join(ROOT_DIR, 'supergraph.yaml');
export const SUPERGRAPH_SDL = path.join(ROOT_DIR, 'gateway', 'supergraph.graphql');

interface SupergraphConfig {
  federation_version?: string;
  subgraphs: Record<string, { routing_url: string; schema: { file: string } }>;
}

export interface SubgraphSource {
  name: string;
  url: string;
  file: string;
}

/** The subgraphs of supergraph.yaml (rover's format), with schema paths made absolute. */
export function readSupergraphConfig(file = SUPERGRAPH_CONFIG): SubgraphSource[] {
  const config = parseYaml(readFileSync(file, 'utf8')) as SupergraphConfig;
  return Object.entries(config.subgraphs ?? {}).map(([name, subgraph]) => ({
    name,
    url: subgraph.routing_url,
    file: path.resolve(path.dirname(file), subgraph.schema.file),
  }));
}

/**
 * Whether the composed SDL may be older than what it is composed from (a subgraph's SDL or
 * supergraph.yaml changed since): only then is composing again worth its time.
 */
export function supergraphMayBeStale(): boolean {
  const modified = (file: string) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
  const composed = statSync(SUPERGRAPH_SDL, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
  const sources = [SUPERGRAPH_CONFIG, ...readSupergraphConfig().map((source) => source.file)];
  return sources.some((file) => modified(file) > composed);
}
