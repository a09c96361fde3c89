// The configuration registry (shared/variables.ts) against what is written from it and what sets
// variables: docs/configuration.md's tables and .env.example are what `npm run config:docs` writes
// now, and no deployment manifest sets a variable the registry does not know.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CONFIGURATION_DOC, generatedFiles, spliceTables, TABLE_END, TABLE_START } from '../../../scripts/config-docs';
import { ROOT_DIR } from '../../../shared/paths';
import { isKnownVariable } from '../../../shared/variables';
import {
  composeSettings,
  dockerfileSettings,
  envFileSettings,
  kubernetesSettings,
  manifestSettings,
  type Setting,
} from '../../support/deployment/manifest-variables';

const unknown = (settings: Setting[]) =>
  settings.filter(({ name }) => !isKnownVariable(name)).map(({ file, name }) => `${file}: ${name}`);

describe('the configuration registry', () => {
  it('should be what docs/configuration.md and .env.example say (else run `npm run config:docs`)', () => {
    const stale = generatedFiles()
      .filter(({ file, content }) => readFileSync(path.join(ROOT_DIR, file), 'utf8') !== content)
      .map(({ file }) => `${file} is stale: run \`npm run config:docs\``);
    expect(stale).toEqual([]);
  });

  it('should replace only what lies between the markers of docs/configuration.md', () => {
    const markdown = `# Configuration\n\nBy hand.\n\n${TABLE_START}\n\nold\n\n${TABLE_END}\n\nAlso by hand.\n`;
    expect(spliceTables(markdown, 'new')).toBe(
      `# Configuration\n\nBy hand.\n\n${TABLE_START}\n\nnew\n\n${TABLE_END}\n\nAlso by hand.\n`,
    );
    expect(() => spliceTables('# Configuration\n', 'new')).toThrow(CONFIGURATION_DOC);
  });

  it('should know every variable the manifests set: compose, the Dockerfile, Kubernetes', () => {
    const settings = manifestSettings(ROOT_DIR);
    const files = new Set(settings.map(({ file }) => file.split(path.sep)[0]));
    expect([...files].sort()).toEqual(['Dockerfile', 'deploy', 'docker-compose.yml']);
    expect(unknown(settings)).toEqual([]);
  });

  it('should name the file and the variable when a manifest sets one it does not know (the check is not a no-op)', () => {
    const compose =
      'services:\n  db:\n    image: postgres\n    environment: { POSTGRES_USER: x }\n  user:\n    build: .\n    environment:\n      LOG_LEVEL: info\n      LOG_LEVL: info\n';
    const dockerfile = 'FROM node\nENV NODE_ENV=production \\\n    HOST_NAME=0.0.0.0\nENV LEGACY_FORM value\n';
    const kubernetes = [
      'kind: ConfigMap\ndata:\n  EVENTS_PREFIX: "shop:"\n  EVENT_PREFIX: "shop:"',
      'kind: Deployment\nspec:\n  template:\n    spec:\n      initContainers: [{ name: migrate, env: [{ name: MIGRATE_DB, value: "1" }] }]\n      containers: [{ name: gateway, env: [{ name: PORT, value: "4000" }] }]',
      'kind: Kustomization\npatches:\n  - target: { kind: ConfigMap, name: gateway-config }\n    patch: |-\n      - op: add\n        path: /data/TRUST_PROXIES\n        value: "1"',
    ].join('\n---\n');
    expect(
      unknown([
        ...composeSettings('docker-compose.yml', compose),
        ...dockerfileSettings('Dockerfile', dockerfile),
        ...kubernetesSettings('deploy/kubernetes/base/gateway.yaml', kubernetes),
        ...envFileSettings(
          'deploy/kubernetes/overlays/production/secrets/redis.env.example',
          '# REDIS_URL: ...\nREDIS_URL=\nREDIS_PASSWORD=x\n',
        ),
      ]),
    ).toEqual([
      'docker-compose.yml: LOG_LEVL',
      'Dockerfile: HOST_NAME',
      'Dockerfile: LEGACY_FORM',
      'deploy/kubernetes/base/gateway.yaml: EVENT_PREFIX',
      'deploy/kubernetes/base/gateway.yaml: MIGRATE_DB',
      'deploy/kubernetes/base/gateway.yaml: TRUST_PROXIES',
      'deploy/kubernetes/overlays/production/secrets/redis.env.example: REDIS_PASSWORD',
    ]);
  });
});

describe("npm start's .env", () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shop-env-file-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a fresh process sees of the three variables after loading `file` (jest keeps process.env its own). */
  function loadInChild(file: string, env: Record<string, string>): { loaded: boolean; values: (string | null)[] } {
    const code = `const { loadEnvFileIfPresent } = require('./scripts/load-env-file');
      const loaded = loadEnvFileIfPresent(${JSON.stringify(file)});
      const values = ['SHOP_TEST_SET', 'SHOP_TEST_EMPTY', 'SHOP_TEST_UNSET'].map((name) => process.env[name] ?? null);
      process.stdout.write(JSON.stringify({ loaded, values }));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '-e', code], {
      cwd: ROOT_DIR,
      env: { PATH: process.env.PATH, ...env },
    });
    return JSON.parse(output.toString()) as { loaded: boolean; values: (string | null)[] };
  }

  it('should fill in only what the environment leaves unset: a variable set empty stays empty', () => {
    const file = path.join(dir, '.env');
    writeFileSync(file, 'SHOP_TEST_SET=from-file\nSHOP_TEST_EMPTY=from-file\nSHOP_TEST_UNSET=from-file\n');
    expect(loadInChild(file, { SHOP_TEST_SET: 'from-environment', SHOP_TEST_EMPTY: '' })).toEqual({
      loaded: true,
      values: ['from-environment', '', 'from-file'],
    });
  });

  it('should do nothing without a .env', () => {
    expect(loadInChild(path.join(dir, '.env'), {})).toEqual({ loaded: false, values: [null, null, null] });
  });
});
