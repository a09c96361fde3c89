// Depth, aliases, tokens and cost: the limits an operation must fit before it is planned or run.
// One implementation for every way in: the gateway's HTTP (through Apollo Server) and graphql-ws,
// so an operation is accepted or refused alike whichever way it comes, and each subgraph's own
// limits on what reaches it from inside the cluster (shared/server/subgraph.ts).
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { estimateCost } from './cost';
import { queryTooCostly, queryTooDeep, tooManyAliases } from './errors';
import { checkTokens } from './tokens';

/** Each limit takes 0 for "off". */
export interface QueryLimits {
  /** Deepest field nesting of an operation (fragments do not count as levels). */
  maxDepth: number;
  /** Aliased fields in an operation (`__typename` aliases are free). */
  maxAliases: number;
  /** Lexical tokens in a document, counted before it is parsed. */
  maxTokens: number;
  /** Estimated cost of the operation run, see cost.ts. */
  maxCost: number;
}

export class OperationLimits {
  /** Validation rules for depth and aliases, reporting QUERY_TOO_DEEP and TOO_MANY_ALIASES. */
  readonly documentRules: readonly ValidationRule[];
  // Apollo Server hands back the same document object for the same text (its document store),
  // and depth and aliases depend on the text alone: each document is measured once.
  private readonly checkedDocuments = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  constructor(readonly limits: QueryLimits) {
    this.documentRules = documentLimitRules(limits);
  }

  /** TOO_MANY_TOKENS for a text over the limit, before it is parsed. */
  checkText(text: string): GraphQLError | undefined {
    return checkTokens(text, this.limits.maxTokens);
  }

  /** Depth and aliases of every operation of a valid document. */
  checkDocument(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
    let errors = this.checkedDocuments.get(document);
    if (!errors) {
      errors = this.documentRules.length ? validate(schema, document, this.documentRules) : [];
      this.checkedDocuments.set(document, errors);
    }
    return errors;
  }

  /** QUERY_TOO_COSTLY when running `operation` with `variables` would cost more than allowed. */
  checkCost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown> | null | undefined,
  ): GraphQLError | undefined {
    const { maxCost } = this.limits;
    if (maxCost <= 0) return undefined;
    const estimate = estimateCost(schema, document, operation, variables);
    if ('invalidVariables' in estimate) return undefined;
    if (estimate.cost === undefined || estimate.cost > maxCost) return queryTooCostly(maxCost, estimate.cost);
    return undefined;
  }
}

/**
 * graphql-armor measures depth and aliases (fragments followed once each, `__schema` not counted
 * as depth, `__typename` aliases free). Its own rejection reaches clients of Apollo Server as
 * GRAPHQL_VALIDATION_FAILED with the figures only in the message, so it is told never to reject
 * (n: Infinity) and the figure it reports for each operation is compared here: each limit gets its
 * own code, with the figures as extensions.
 */
function documentLimitRules({ maxDepth, maxAliases }: QueryLimits): ValidationRule[] {
  const over =
    (limit: number, error: (limit: number, actual: number) => GraphQLError) =>
    (context: ValidationContext | null, measured: { n: number }) => {
      if (measured.n > limit) context?.reportError(error(limit, measured.n));
    };
  const { validationRules } = new ApolloArmor({
    maxDepth: { enabled: maxDepth > 0, n: Infinity, flattenFragments: true, onAccept: [over(maxDepth, queryTooDeep)] },
    maxAliases: { enabled: maxAliases > 0, n: Infinity, onAccept: [over(maxAliases, tooManyAliases)] },
    // Tokens and cost are checked by this module; directives are bounded by the token limit.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    maxDirectives: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return validationRules;
}
