// Import cycles, type-only imports included. ESLint's import-x/no-cycle (eslint.config.mjs) skips
// `import type`, which TypeScript erases, yet a cycle through types still ties two layers to each
// other; dependency-cruiser reads the TypeScript before erasure. Run by `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Modules depend one way: move what both sides need into a module of its own.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)generated/', '^bench/peers/', '^dist/', '^\\.tools/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
