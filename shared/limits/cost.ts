// What an operation may cost, estimated before anything runs: roughly how many objects the
// response can hold, each a row some subgraph loads. The gateway estimates client operations
// against the supergraph's API schema, each subgraph what reaches it against its own schema.
//
// - An object field costs 1 plus what is selected in it; scalars and enums cost 0 (they come with
//   the object's row, so counting them would only punish asking for useful fields).
// - A list multiplies what is selected in each element by its size: `first` when the field takes
//   it (the schema's default when omitted), else ASSUMED_LIST_SIZE for lists that are not paged
//   (Order.items, Order.statusHistory, Order.payments, categories).
// - Federation's `_entities(representations: [...])` is as long as the representations sent: an
//   entity fetch of 500 products costs 500 times what it selects of each.
// - A connection (`products(first: 20) { edges { node } }`) multiplies by `first` once: its
//   `edges` count as one page, not as another list of ASSUMED_LIST_SIZE. (Its pageInfo is
//   multiplied too: a small overestimate, as the estimator sees one figure for all it selects.)
// - Introspection is free: it reads the schema, never a database.
import {
  getNamedType,
  getNullableType,
  getVariableValues,
  isLeafType,
  isListType,
  isObjectType,
  type DocumentNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimatorArgs } from 'graphql-query-complexity';

/** Elements assumed in a list that takes no `first`. */
export const ASSUMED_LIST_SIZE = 10;

/** Selections the estimator walks at most (fragments spread many times multiply them). */
const MAX_NODES = 10_000;

/** The rules above, as a graphql-query-complexity estimator. */
function costEstimator({ type, field, args, childComplexity }: ComplexityEstimatorArgs): number {
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
  const returned = getNullableType(field.type);
  if (isLeafType(getNamedType(returned))) return 0;
  const pageSize = requestedPageSize(field, args);
  if (isListType(returned)) {
    const size = pageSize ?? representationCount(args) ?? (isConnectionEdges(type, field) ? 1 : ASSUMED_LIST_SIZE);
    return size * (1 + childComplexity);
  }
  return 1 + (pageSize ?? 1) * childComplexity;
}

/** `first` as the field will receive it: the argument, else its default; undefined without one. */
function requestedPageSize(field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number | undefined {
  const definition = field.args.find((arg) => arg.name === 'first');
  if (!definition) return undefined;
  const value = args.first ?? definition.defaultValue;
  return typeof value === 'number' ? Math.max(0, value) : ASSUMED_LIST_SIZE;
}

/** The representations an `_entities` fetch resolves, one entity each; undefined for other fields. */
function representationCount(args: Record<string, unknown>): number | undefined {
  return Array.isArray(args.representations) ? args.representations.length : undefined;
}

/** Relay's `edges` of a connection: the page its parent field's `first` already counted. */
function isConnectionEdges(type: GraphQLCompositeType, field: GraphQLField<unknown, unknown>): boolean {
  return field.name === 'edges' && isObjectType(type) && 'pageInfo' in type.getFields();
}

export type CostEstimate =
  | { cost: number }
  /** The estimate was cut short: the operation is too large to estimate. */
  | { cost: undefined }
  /** The variables do not fit the operation; execution reports that, not the cost check. */
  | { invalidVariables: true };

/** The estimated cost of running `operation` of `document` with `variables`. */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): CostEstimate {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return { invalidVariables: true };
  try {
    const cost = getComplexity({
      schema,
      query: document,
      // Anonymous: the document has only this operation (else it could not have been selected).
      ...(operation.name && { operationName: operation.name.value }),
      variables: variables ?? {},
      estimators: [costEstimator],
      maxQueryNodes: MAX_NODES,
    });
    return { cost };
  } catch {
    // With valid variables, what remains is the walk over MAX_NODES selections.
    return { cost: undefined };
  }
}
