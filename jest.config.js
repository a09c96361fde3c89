/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
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
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFilesAfterEnv: ['<rootDir>/test/no-console.ts'],
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
  testTimeout: 30_000,
  // Two cores: more workers only make the spawned services fight over them.
  maxWorkers: 2,
};
