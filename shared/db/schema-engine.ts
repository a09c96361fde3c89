// Prisma's schema engine (the part of the CLI behind `migrate deploy` and `migrate diff`),
// compiled to WebAssembly. The CLI's native engine is downloaded on first use, which offline
// machines and locked-down containers cannot do; the WASM build ships inside an npm package.
import { readFile } from 'node:fs/promises';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaEngine as WasmSchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg' with {
  'resolution-mode': 'import',
};

export type SchemaEngine = WasmSchemaEngine;

// typescript-eslint cannot resolve an import type with attributes (tsc does): it sees an error type.
// eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
type EngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg', { with: { 'resolution-mode': 'import' } });

// TypeScript describes the WebAssembly global only in its DOM library, which a server must not load.
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: Record<string, unknown> } }>;
};

let engineModule: Promise<EngineModule> | undefined;

// The package's main entry imports the .wasm file as an ES module: experimental in Node 24 (a
// warning on every start) and impossible in jest's CommonJS sandbox. So the glue module is loaded
// on its own and handed an instance we compile ourselves.
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const glue: EngineModule = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const wasmPath = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg').replace(/\.js$/, '.wasm');
    const { instance } = await WebAssembly.instantiate(await readFile(wasmPath), {
      './schema_engine_bg.js': glue,
    });
    const exports = instance.exports as { __wbindgen_start: () => void };
    glue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return glue;
  })();
  return engineModule;
}

export interface SchemaFile {
  path: string;
  content: string;
}

/** Opens a schema engine that talks to the database behind `adapterFactory`. */
export async function openSchemaEngine(
  schema: SchemaFile,
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  log: (message: string) => void = () => {},
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule();
  return SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    log,
    // Without the binding the engine fails with "reading 'externalPool'" on its first query.
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
