// A subscription to order status changes, rewritten once (at subscribe time) into the query that
// resolves one change through the supergraph:
//
//   subscription Watch($id: ID) { orderStatusChanged(orderId: $id) { to order { total { amount } } } }
//     becomes
//   query Watch($__changeId: ID!) { orderStatusChanged: orderStatusChange(id: $__changeId) { to order { total { amount } } } }
//
// The selection, aliases, fragments and directives are kept as the client wrote them, so the
// gateway's own query planner fetches every field from whichever subgraph owns it, and the result
// has exactly the shape the client asked for. A selection that reads only what the event itself
// carries (`{ orderId from to at }`) needs no query at all: it is executed against the event. One
// that also reads the order (`{ to order { total { amount } } }`) fetches only that part,
//
//   query Watch($__orderId: ID!) { order(id: $__orderId) { total { amount } } }
//
// and the change is assembled around it from the event: the order subgraph then loads one row
// (the order) instead of two (the change, then its order).
import {
  GraphQLError,
  Kind,
  TypeInfo,
  getArgumentValues,
  isAbstractType,
  visitWithTypeInfo,
  print,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { requireId } from '../../shared/validation';

export const SUBSCRIPTION_FIELD = 'orderStatusChanged';
const EVENT_QUERY_FIELD = 'orderStatusChange';
export const CHANGE_ID_VARIABLE = '__changeId';

export interface EventQuery {
  /** The query resolving one change; its only extra variable is $__changeId. */
  query: string;
  /** `query`, parsed: what batches of changes are built from, and what runs against an event. */
  document: DocumentNode;
  /** The API schema the operation was validated against. */
  schema: GraphQLSchema;
  operationName: string | undefined;
  /** The client's variables that the query still uses. */
  variables: Record<string, unknown>;
  /** Which order the subscriber watches, lower-case (requireId); null for every order it may see. */
  orderId: string | null;
  /** Where a result holds the change: the client's alias of the root field, or its name. */
  responseKey: string;
  /** Whether the selection reads only fields every OrderStatusChanged event carries (no query needed). */
  fromEvent: boolean;
  /**
   * When the selection reads the event's fields and `order` (under one response key, with no
   * directives on it or on the fragments around it, and no abstract type under it): the query for
   * the order part alone. Otherwise the change is resolved by `query`.
   */
  orderQuery?: OrderQuery;
}

/** The order part of a change's selection, fetched on its own; see toEventQuery. */
export interface OrderQuery {
  /** `order(id: $__orderId) { ... }` with every `order` selection of the client's merged in. */
  query: string;
  document: DocumentNode;
  /** Where the change holds its order: the client's alias of `order`, or its name. */
  responseKey: string;
}

export const ORDER_ID_VARIABLE = '__orderId';

/** OrderStatusChange fields every OrderStatusChanged event carries, under the same names. */
const EVENT_FIELDS = new Set(['__typename', 'id', 'orderId', 'from', 'to', 'at', 'reason', 'version']);

export function toEventQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): EventQuery {
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length || root.kind !== Kind.FIELD || root.name.value !== SUBSCRIPTION_FIELD) {
    throw new GraphQLError(`A subscription selects exactly one field, ${SUBSCRIPTION_FIELD}.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  const fieldDefinition = schema.getSubscriptionType()?.getFields()[SUBSCRIPTION_FIELD];
  if (!fieldDefinition) throw new GraphQLError('This supergraph has no order status subscription.');
  const { orderId } = getArgumentValues(fieldDefinition, root, variables) as { orderId?: string | null };

  const eventField: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? SUBSCRIPTION_FIELD },
    name: { kind: Kind.NAME, value: EVENT_QUERY_FIELD },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: CHANGE_ID_VARIABLE } },
      },
    ],
  };
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const used = usedNames({
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: [eventField] } }, ...fragments],
  });
  const query: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((definition) => used.variables.has(definition.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: CHANGE_ID_VARIABLE } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [eventField] },
  };
  const keptFragments = fragments.filter((fragment) => used.fragments.has(fragment.name.value));
  const rewritten: DocumentNode = { kind: Kind.DOCUMENT, definitions: [query, ...keptFragments] };
  const byName = new Map(keptFragments.map((fragment) => [fragment.name.value, fragment]));
  const fromEvent = readsOnly(eventField, byName, EVENT_FIELDS);
  const orderQuery = fromEvent ? undefined : orderPart(schema, operation, eventField, byName);
  return {
    query: print(rewritten),
    document: rewritten,
    schema,
    operationName: operation.name?.value,
    variables: Object.fromEntries(Object.entries(variables).filter(([name]) => used.variables.has(name))),
    // The hub files subscribers under this id and matches events' ids against it: one spelling,
    // and an id that cannot exist is refused here rather than watched forever.
    orderId: orderId == null ? null : requireId(orderId, 'orderId'),
    responseKey: eventField.alias!.value,
    fromEvent,
    ...(orderQuery && { orderQuery }),
  };
}

/** The query for the order part of the change's selection, when that part alone can be fetched. */
function orderPart(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  eventField: FieldNode,
  fragments: Map<string, FragmentDefinitionNode>,
): OrderQuery | undefined {
  const orderFields: FieldNode[] = [];
  let separable = true;
  const walk = (selections: readonly SelectionNode[]) => {
    for (const selection of selections) {
      // A directive around `order` would make fetching it a decision of its own: not taken here.
      if (selection.kind !== Kind.FIELD && selection.directives?.length) separable = false;
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet.selections);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) walk(fragments.get(selection.name.value)?.selectionSet.selections ?? []);
      else if (selection.name.value === 'order') {
        if (selection.directives?.length || selection.arguments?.length || !selection.selectionSet) separable = false;
        orderFields.push(selection);
      } else if (!EVENT_FIELDS.has(selection.name.value)) separable = false;
    }
  };
  walk(eventField.selectionSet?.selections ?? []);
  const responseKeys = new Set(orderFields.map((field) => field.alias?.value ?? 'order'));
  if (!separable || responseKeys.size !== 1) return undefined;
  const responseKey = [...responseKeys][0]!;
  const orderField: FieldNode = {
    kind: Kind.FIELD,
    name: { kind: Kind.NAME, value: 'order' },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'id' },
        value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ORDER_ID_VARIABLE } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: orderFields.flatMap((field) => field.selectionSet!.selections) },
  };
  const all = [...fragments.values()];
  const used = usedNames({
    kind: Kind.DOCUMENT,
    definitions: [{ ...operation, selectionSet: { kind: Kind.SELECTION_SET, selections: [orderField] } }, ...all],
  });
  const query: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    variableDefinitions: [
      ...(operation.variableDefinitions ?? []).filter((definition) => used.variables.has(definition.variable.name.value)),
      {
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: ORDER_ID_VARIABLE } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      },
    ],
    selectionSet: { kind: Kind.SELECTION_SET, selections: [orderField] },
  };
  const document: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [query, ...all.filter((fragment) => used.fragments.has(fragment.name.value))],
  };
  // The change is assembled with graphql-js from what comes back, and an interface or a union
  // under `order` would need each object's __typename in it: such selections take the full query.
  const typeInfo = new TypeInfo(schema);
  let abstract = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      SelectionSet: () => {
        if (isAbstractType(typeInfo.getParentType())) abstract = true;
      },
    }),
  );
  return abstract ? undefined : { query: print(document), document, responseKey };
}

/** Whether every field selected under `field` (through fragments too) is one of `names`, without sub-selections. */
function readsOnly(field: FieldNode, fragments: Map<string, FragmentDefinitionNode>, names: Set<string>): boolean {
  const within = (selections: readonly SelectionNode[]): boolean =>
    selections.every((selection) => {
      switch (selection.kind) {
        case Kind.FIELD:
          return names.has(selection.name.value) && !selection.selectionSet;
        case Kind.INLINE_FRAGMENT:
          return within(selection.selectionSet.selections);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = fragments.get(selection.name.value);
          return fragment !== undefined && within(fragment.selectionSet.selections);
        }
      }
    });
  return within(field.selectionSet?.selections ?? []);
}

/** Variables and fragments the operation actually reaches (fragments through fragments too). */
function usedNames(document: DocumentNode): { variables: Set<string>; fragments: Set<string> } {
  const fragments = new Map(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const variables = new Set<string>();
  const reached = new Set<string>();
  const walk = (node: OperationDefinitionNode['selectionSet'] | FragmentDefinitionNode) => {
    visit(node, {
      // Definitions declare variables; only uses count.
      VariableDefinition: () => false,
      Variable: (variable) => {
        variables.add(variable.name.value);
      },
      FragmentSpread: (spread) => {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (reached.has(name) || !fragment) return;
        reached.add(name);
        walk(fragment);
      },
    });
  };
  walk(operation.selectionSet);
  return { variables, fragments: reached };
}
