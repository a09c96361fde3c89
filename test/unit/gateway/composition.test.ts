import { readFileSync } from 'node:fs';
import { composeSupergraph, readSupergraphConfig, SUPERGRAPH_SDL } from '../../../gateway/compose';
import { DEFAULT_PORTS, SUBGRAPHS } from '../../../shared/services';
import { subgraphSchemaPath } from '../../../shared/paths';

describe('composition', () => {
  it('should list every subgraph in supergraph.yaml, with its own SDL file and default port', () => {
    const sources = readSupergraphConfig();
    expect(sources.map((source) => source.name).sort()).toEqual([...SUBGRAPHS].sort());
    for (const source of sources) {
      const name = source.name as (typeof SUBGRAPHS)[number];
      expect(source.file).toBe(subgraphSchemaPath(name));
      expect(new URL(source.url).port).toBe(String(DEFAULT_PORTS[name]));
    }
  });

  it('should compose, and the committed supergraph SDL should be what composition produces (run `npm run compose`)', () => {
    const outcome = composeSupergraph();
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(readFileSync(SUPERGRAPH_SDL, 'utf8')).toBe(outcome.supergraphSdl);
  });

  it('should report composition errors readably instead of producing a supergraph', () => {
    const sources = readSupergraphConfig();
    const broken = [...sources, { name: 'broken', url: 'http://localhost:1/graphql', file: __filename }];
    const outcome = composeSupergraph(broken);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.errors.join('\n')).toMatch(/\[broken\]/);
  });
});
