// ESLint: bugs the compiler does not catch (promises nobody awaits, `any` leaking from untyped
// values) and the layers of the codebase. Type-aware: it reads tsconfig.json. Import cycles,
// type-only ones included, are dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const SUBGRAPHS = ['user', 'product', 'order', 'payment'];

/** Layer boundaries: `from` may never import anything under `target`. */
const zones = [
  // A subgraph is a service of its own: it never reaches into another subgraph or the gateway.
  ...SUBGRAPHS.map((name) => ({
    target: `./subgraphs/${name}`,
    from: ['./gateway', ...SUBGRAPHS.filter((other) => other !== name).map((other) => `./subgraphs/${other}`)],
    message: 'A subgraph talks to other services over HTTP or events, never through their code.',
  })),
  {
    target: './gateway',
    from: SUBGRAPHS.map((name) => `./subgraphs/${name}`),
    message: 'The gateway knows subgraphs by their SDL and URL only.',
  },
  {
    target: './shared',
    from: ['./subgraphs', './gateway', './scripts', './bench', './test', './prisma'],
    message: 'shared/ is the bottom layer: it never imports the services, scripts, benchmarks or tests.',
  },
  {
    target: './web',
    from: ['./shared', './gateway', './subgraphs', './prisma', './scripts', './bench', './test'],
    message:
      'The storefront is a client of the gateway: it knows the API by its schema and talks to /graphql, never through server code.',
  },
  {
    target: ['./shared', './gateway', './subgraphs', './prisma'],
    from: './web',
    message: 'The services never depend on the storefront; the gateway serves its built files only.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'coverage/',
      '.tools/',
      '.data/',
      'bench/peers/',
      '**/generated/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.json', '.node'] })],
    },
    rules: {
      'import-x/no-restricted-paths': ['error', { zones }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ regex: '^(@[^/]+/)?[^./][^/]*/dist/', message: "A package's dist/ is private: import its public entry." }],
        },
      ],
      // A value a closure reads before it is assigned (readiness checks before start-up ends).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Off: an async function without await is how a Promise-returning interface is implemented,
      // and it turns a synchronous throw into a rejection, which is what callers expect.
      '@typescript-eslint/require-await': 'off',
      // Off: lazy require() keeps heavy modules (PGlite, composition, the seed) out of processes
      // that never use them, synchronously; the code compiles to CommonJS, where that is the way.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // Tests and benchmarks read GraphQL responses and log lines as untyped JSON on purpose: the
    // assertions are what check their shape, so `any` there is the subject, not a leak.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
);
