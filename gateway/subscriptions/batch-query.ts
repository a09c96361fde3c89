// Several changes resolved in one query. A group's query for one change,
//
//   query Watch($__changeId: ID!) { orderStatusChanged: orderStatusChange(id: $__changeId) { ...F } } fragment F ...
//
// becomes, for four changes,
//
//   query Watch($__c0: ID!, $__c1: ID!, $__c2: ID!, $__c3: ID!) {
//     c0: orderStatusChange(id: $__c0) { ...F } c1: orderStatusChange(id: $__c1) { ...F } ...
//   } fragment F ...
//
// so the query planner fetches every change's fields from each subgraph in one request (one
// order-subgraph fetch, one user-subgraph entity fetch), however many changes there are. Batches
// come in sizes that are powers of two, padded with the last change, so that only a handful of
// distinct texts (1, 2, 4, 8, 16 changes) reach Apollo's document and query-plan caches. A query
// for the order part alone (event-query.ts) is batched the same way, one root field per order.
import { GraphQLError, Kind, print, visit, type DocumentNode, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { DEFAULT_SUBGRAPH_QUERY_LIMITS } from '../../shared/limits/config';

/** A query for one item, by the one variable its root field takes: what a batch repeats. */
export interface BatchableQuery {
  /** Its text: names it among the batches already built. */
  query: string;
  document: DocumentNode;
  /** The client's variables (those the query does not use are ignored). */
  variables: Record<string, unknown>;
}

/** The most changes one query resolves. */
export const MAX_BATCH = 16;

/**
 * Aliases a subgraph lets one request have (its own limit, SUBGRAPH_MAX_ALIASES). Each change of a
 * batch brings its root alias plus the client's aliases, and the order subgraph receives them all.
 */
const SUBGRAPH_ALIAS_BUDGET = DEFAULT_SUBGRAPH_QUERY_LIMITS.maxAliases;

/** The batch sizes that exist: 1, 2, 4, ... MAX_BATCH. */
export function bucketSize(changes: number): number {
  let size = 1;
  while (size < changes && size < MAX_BATCH) size *= 2;
  return size;
}

/** The largest batch whose aliases stay within what a subgraph accepts (at least 1). */
export function maxBatchSize(query: Pick<BatchableQuery, 'document'>): number {
  const perChange = 1 + countAliases(query.document);
  let size = 1;
  while (size * 2 <= MAX_BATCH && size * 2 * perChange <= SUBGRAPH_ALIAS_BUDGET) size *= 2;
  return size;
}

/** Variable holding the id of the batch's `index`th change. */
export function changeVariable(index: number): string {
  return `__c${index}`;
}

/** The query resolving `ids` (in a batch of bucketSize(ids.length)), and its variables. */
export function batchRequest(
  query: BatchableQuery,
  ids: readonly string[],
): { text: string; variables: Record<string, unknown> } {
  const size = bucketSize(ids.length);
  const variables: Record<string, unknown> = { ...query.variables };
  for (let index = 0; index < size; index += 1) {
    // Padding repeats the last id: the subgraph loads it once (DataLoader), the split drops it.
    variables[changeVariable(index)] = ids[Math.min(index, ids.length - 1)];
  }
  return { text: batchText(query, size), variables };
}

/**
 * One result per change from the batch's result: each change's data under the client's response
 * key, with the errors on its path (re-rooted there too); errors without a path concern every
 * change. Results of the padding are dropped.
 */
export function splitBatch(result: ExecutionResult, count: number, responseKey: string): ExecutionResult[] {
  const shared: GraphQLError[] = [];
  const byChange = new Map<string, GraphQLError[]>();
  for (const error of result.errors ?? []) {
    const [root, ...rest] = error.path ?? [];
    if (typeof root !== 'string' || !/^c\d+$/.test(root)) {
      shared.push(error);
      continue;
    }
    const list = byChange.get(root) ?? [];
    list.push(new GraphQLError(error.message, { path: [responseKey, ...rest], extensions: error.extensions }));
    byChange.set(root, list);
  }
  const { data } = result;
  return Array.from({ length: count }, (_, index) => {
    const alias = `c${index}`;
    const errors = [...(byChange.get(alias) ?? []), ...shared];
    return {
      ...(data !== undefined && { data: data && { [responseKey]: data[alias] ?? null } }),
      ...(errors.length && { errors }),
      ...(result.extensions && { extensions: result.extensions }),
    };
  });
}

// Distinct query texts are few (groups × bucket sizes); a bound keeps a stream of one-off
// operations from growing it without end.
const TEXTS_REMEMBERED = 1_000;
const texts = new Map<string, string>();

function batchText(query: BatchableQuery, size: number): string {
  const key = `${size}\n${query.query}`;
  let text = texts.get(key);
  if (text === undefined) {
    text = print(batchDocument(query.document, size));
    texts.set(key, text);
    if (texts.size > TEXTS_REMEMBERED) texts.delete(texts.keys().next().value!);
  }
  return text;
}

function batchDocument(document: DocumentNode, size: number): DocumentNode {
  const [operation, ...fragments] = document.definitions as [OperationDefinitionNode, ...DocumentNode['definitions']];
  const [root] = operation.selectionSet.selections;
  if (root?.kind !== Kind.FIELD) throw new Error('a batchable query selects one field');
  // The item's id: the variable the root field's argument takes.
  const idArgument = root.arguments?.find((argument) => argument.value.kind === Kind.VARIABLE);
  const idVariable = idArgument?.value.kind === Kind.VARIABLE ? idArgument.value.name.value : undefined;
  const clientVariables = (operation.variableDefinitions ?? []).filter(
    (definition) => definition.variable.name.value !== idVariable,
  );
  const changeIdDefinition = operation.variableDefinitions?.find((definition) => definition.variable.name.value === idVariable);
  if (!changeIdDefinition) throw new Error('a batchable query takes its id as a declared variable');
  const indices = Array.from({ length: size }, (_, index) => index);
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const batched: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: [
      ...clientVariables,
      ...indices.map((index) => ({
        ...changeIdDefinition,
        variable: { kind: Kind.VARIABLE, name: name(changeVariable(index)) } as const,
      })),
    ],
    selectionSet: {
      kind: Kind.SELECTION_SET,
      selections: indices.map((index) => ({
        ...root,
        alias: name(`c${index}`),
        arguments: (root.arguments ?? []).map((argument) =>
          argument.value.kind === Kind.VARIABLE && argument.value.name.value === idVariable
            ? { ...argument, value: { kind: Kind.VARIABLE, name: name(changeVariable(index)) } }
            : argument,
        ),
      })),
    },
  };
  return { kind: Kind.DOCUMENT, definitions: [batched, ...fragments] };
}

/** Aliases in the change's selection, fragments included (`__typename` aliases cost a subgraph nothing). */
function countAliases(document: DocumentNode): number {
  let aliases = 0;
  const [operation, ...fragments] = document.definitions;
  const root = (operation as OperationDefinitionNode).selectionSet.selections[0];
  for (const node of [...(root?.kind === Kind.FIELD && root.selectionSet ? [root.selectionSet] : []), ...fragments]) {
    visit(node, {
      Field: (field) => {
        if (field.alias && field.name.value !== '__typename') aliases += 1;
      },
    });
  }
  return aliases;
}
