// Subscriptions are served by the gateway's own transports (gateway/subscriptions/) and, for
// routers, by the subgraph that owns the field over graphql-ws. A subscription that reaches Apollo
// Server over HTTP anyway went wrong inside it as a 500 INTERNAL_SERVER_ERROR, in two ways:
// - the gateway's executor throws "Execution of subscriptions not supported by gateway";
// - in every service, graphql-js's validation (SingleFieldSubscriptionsRule, graphql 16) throws
//   instead of reporting when a subscription's root selection is conditioned on a variable
//   (`@skip(if: $v)`), whichever operation of the document was asked for.
// Refused here, before Apollo parses the document, both are the caller's mistake, told how to
// subscribe instead.
import type express from 'express';
import {
  getOperationAST,
  Kind,
  OperationTypeNode,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import { ErrorCode } from '../errors';

export interface SubscriptionRefusal {
  status: number;
  code: ErrorCode;
  /** What the caller should do instead. */
  message: string;
}

const SUBGRAPH_REFUSAL: SubscriptionRefusal = {
  status: 400,
  code: ErrorCode.BAD_REQUEST,
  message:
    'Subscriptions are not served over HTTP here: subscribe through the gateway, or over WebSocket (graphql-ws) on the subgraph that owns the field.',
};

export function refuseSubscriptionsOverHttp(refusal = SUBGRAPH_REFUSAL): express.RequestHandler {
  return (req, res, next) => {
    const { query, operationName } = graphqlParams(req);
    // Only a document that mentions the keyword is parsed here (Apollo parses it again).
    if (query === undefined || !query.includes('subscription')) return next();
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      // Not GraphQL: Apollo Server says why.
      return next();
    }
    const refused = refusalOf(document, operationName, refusal);
    if (!refused) return next();
    res.status(refused.status).json({ errors: [{ message: refused.message, extensions: { code: refused.code } }] });
  };
}

function refusalOf(
  document: DocumentNode,
  operationName: string | undefined,
  refusal: SubscriptionRefusal,
): SubscriptionRefusal | undefined {
  if (getOperationAST(document, operationName)?.operation === OperationTypeNode.SUBSCRIPTION) return refusal;
  const fragments = new Map(
    document.definitions
      .filter((definition): definition is FragmentDefinitionNode => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  const conditioned = document.definitions.some(
    (definition) =>
      definition.kind === Kind.OPERATION_DEFINITION &&
      definition.operation === OperationTypeNode.SUBSCRIPTION &&
      rootDependsOnVariables(definition.selectionSet, fragments, new Set()),
  );
  return conditioned
    ? {
        status: 400,
        code: ErrorCode.BAD_REQUEST,
        message:
          'The document has a subscription whose root field is conditioned on a variable (@skip or @include), which cannot be checked over HTTP: select orderStatusChanged without a condition.',
      }
    : undefined;
}

/** Whether a selection at the root of `set` (fragments followed) carries @skip/@include(if: $variable). */
function rootDependsOnVariables(
  set: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  followed: Set<string>,
): boolean {
  return set.selections.some((selection) => {
    if (conditionedOnVariable(selection)) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT) return rootDependsOnVariables(selection.selectionSet, fragments, followed);
    if (selection.kind !== Kind.FRAGMENT_SPREAD || followed.has(selection.name.value)) return false;
    const fragment = fragments.get(selection.name.value);
    return (
      fragment !== undefined &&
      rootDependsOnVariables(fragment.selectionSet, fragments, new Set([...followed, fragment.name.value]))
    );
  });
}

function conditionedOnVariable(selection: SelectionNode): boolean {
  return (selection.directives ?? []).some(
    (directive) =>
      (directive.name.value === 'skip' || directive.name.value === 'include') &&
      (directive.arguments ?? []).some((argument) => argument.value.kind === Kind.VARIABLE),
  );
}

/** The document and operation name of a GraphQL-over-HTTP request (query string for GET, JSON body for POST). */
function graphqlParams(req: express.Request): { query?: string; operationName?: string } {
  const params: unknown = req.method === 'GET' ? req.query : req.body;
  if (!params || typeof params !== 'object' || Array.isArray(params)) return {};
  const { query, operationName } = params as { query?: unknown; operationName?: unknown };
  return {
    ...(typeof query === 'string' && { query }),
    ...(typeof operationName === 'string' && { operationName }),
  };
}
