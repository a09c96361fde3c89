// Parsing and validating an operation costs far more than anything else a subscribe does, and
// subscribers mostly send the very same text (one app, one query). Each distinct text is parsed and
// validated once per schema; the result, a document or its errors, is reused. The gateway's query
// limits that depend on the text alone (tokens, depth, aliases) are part of that check.
import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import type { OperationLimits } from '../limits/operation-limits';

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
      return { errors: [error as GraphQLError] };
    }
    const errors = validate(schema, document);
    if (errors.length) return { errors };
    const overLimits = this.limits?.checkDocument(schema, document) ?? [];
    return overLimits.length ? { errors: overLimits } : { document };
  }
}
