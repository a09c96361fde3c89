// The example operations in operations/*.graphql, by name, so tests run exactly what the README
// points readers to. Their typed documents (operations/generated/graphql.ts, `npm run codegen`)
// give each one's variables and result types.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { getOperationAST, Kind, parse, type DocumentNode } from 'graphql';
import { ROOT_DIR } from '../../shared/paths';

const DIR = path.join(ROOT_DIR, 'operations');

export interface ExampleOperation {
  name: string;
  file: string;
  /** The whole file: send it with `operationName`. */
  document: string;
}

export function loadOperations(): Map<string, ExampleOperation> {
  const operations = new Map<string, ExampleOperation>();
  for (const file of readdirSync(DIR).filter((entry) => entry.endsWith('.graphql'))) {
    const document = readFileSync(path.join(DIR, file), 'utf8');
    for (const definition of parse(document).definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) {
        operations.set(definition.name.value, { name: definition.name.value, file, document });
      }
    }
  }
  return operations;
}

/** The name of a typed document's operation, which names it in operations/. */
export function operationName(document: DocumentNode): string {
  const name = getOperationAST(document)?.name?.value;
  if (!name) throw new Error('A typed example operation has exactly one named operation.');
  return name;
}
