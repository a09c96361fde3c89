// Subscriptions are served over graphql-ws, by the gateway only (gateway/subscriptions/). Over
// HTTP, a subscription went wrong inside Apollo as a 500 INTERNAL_SERVER_ERROR, in two ways:
// - the gateway's executor throws "Execution of subscriptions not supported by gateway";
// - in every service, graphql-js's validation (SingleFieldSubscriptionsRule, graphql 16) throws
//   instead of reporting when a subscription's root selection is conditioned on a variable
//   (`@skip(if: $v)`), whichever operation of the document was asked for.
// Refused here, before Apollo parses the document, both are the caller's mistake: 400 BAD_REQUEST.
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

export function refuseSubscriptionsOverHttp(): express.RequestHandler {
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
    const message = refusal(document, operationName);
    if (!message) return next();
    res.status(400).json({ errors: [{ message, extensions: { code: ErrorCode.BAD_REQUEST } }] });
  };
}

function refusal(document: DocumentNode, operationName: string | undefined): string | undefined {
  if (getOperationAST(document, operationName)?.operation === OperationTypeNode.SUBSCRIPTION) {
    return 'Subscriptions are not served over HTTP: subscribe over WebSocket (graphql-ws) through the gateway.';
  }
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
    ? 'The document has a subscription whose root field is conditioned on a variable (@skip or @include), which is not served over HTTP: subscribe over WebSocket (graphql-ws) through the gateway.'
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
