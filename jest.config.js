/**
 * Tests by kind, one jest project each (`npm test` runs all three; `--selectProjects` one):
 * - unit: no I/O (no database, Redis, process or socket), in seconds: `npm run test:unit`;
 * - integration: one subgraph or one piece of infrastructure against real PostgreSQL and Redis;
 * - e2e: the whole stack as real processes, browser tests included.
 * Inside each, files sit under the folders of what they test (test/unit/gateway/..., ...).
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    // Type-checking is `npm run typecheck`'s job; tests only transpile, which is much faster.
    // CommonJS output turns dynamic import() (used by the generated Prisma clients) into
    // require(), which jest's sandbox supports without experimental flags.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { module: 'commonjs', moduleResolution: 'node10' } }],
    // jose ships ES modules only. Node 24 require()s them, jest's sandbox only with
    // --experimental-vm-modules: they are compiled to CommonJS like the tests instead.
    '/node_modules/jose/.+\\.js$': ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  setupFilesAfterEnv: ['<rootDir>/test/no-console.ts'],
};

/** Databases and Redis for this run: chosen, templated and cleaned up once, whichever projects run. */
const backends = {
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, ...backends, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    {
      ...shared,
      ...backends,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts', '<rootDir>/test/browser/**/*.test.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  // For every project: jest reads it from the top level only.
  testTimeout: 30_000,
  // Two cores: more workers only make the spawned services fight over them.
  maxWorkers: 2,
};
