// Parsing and validating an operation costs far more than anything else a subscribe does, and
// subscribers mostly send the very same text (one app, one query). Each distinct text is parsed and
// validated once per schema; the result, a document or its errors, is reused. The gateway's query
// limits that depend on the text alone (tokens, depth, aliases) are part of that check.
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../shared/errors';
import type { OperationLimits } from '../../shared/limits/operation-limits';

type Checked = { document: DocumentNode } | { errors: readonly GraphQLError[] };

export interface DocumentCacheOptions {
  /** Distinct texts remembered; the least recently used is forgotten beyond it. */
  capacity?: number;
  limits?: OperationLimits;
}

export class DocumentCache {
  private schema: GraphQLSchema | undefined;
  private readonly entries = new Map<string, Checked>();
  private readonly capacity: number;
  private readonly limits: OperationLimits | undefined;

  constructor({ capacity = 1_000, limits }: DocumentCacheOptions = {}) {
    this.capacity = capacity;
    this.limits = limits;
  }

  check(schema: GraphQLSchema, query: string): Checked {
    if (schema !== this.schema) {
      // A new supergraph: what was valid before may not be now.
      this.schema = schema;
      this.entries.clear();
    }
    const cached = this.entries.get(query);
    if (cached) {
      // Map order is insertion order: re-inserting keeps the most recently used last.
      this.entries.delete(query);
      this.entries.set(query, cached);
      return cached;
    }
    const checked = this.parseAndValidate(schema, query);
    this.entries.set(query, checked);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return checked;
  }

  private parseAndValidate(schema: GraphQLSchema, query: string): Checked {
    const tooLong = this.limits?.checkText(query);
    if (tooLong) return { errors: [tooLong] };
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return { errors: [coded(error as GraphQLError, ErrorCode.GRAPHQL_PARSE_FAILED)] };
    }
    let errors: readonly GraphQLError[];
    try {
      errors = validate(schema, document);
    } catch (error) {
      // graphql-js's own rules throw on some documents instead of reporting them (a subscription
      // whose root field is conditioned on a variable): a refusal all the same, not a crash.
      return { errors: [coded(new GraphQLError((error as Error).message), ErrorCode.GRAPHQL_VALIDATION_FAILED)] };
    }
    if (errors.length) return { errors: errors.map((error) => coded(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)) };
    const overLimits = this.limits?.checkDocument(schema, document) ?? [];
    return overLimits.length ? { errors: overLimits } : { document };
  }
}

/** The error with the code Apollo Server gives the same failure over HTTP. */
function coded(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code },
  });
}
