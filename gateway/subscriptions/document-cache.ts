// Parsing and validating an operation costs far more than anything else a subscribe does, and
// subscribers mostly send the very same text (one app, one query). Each distinct text is parsed and
// validated once per schema; the result, a document or its errors, is reused.
import { parse, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';

type Checked = { document: DocumentNode } | { errors: readonly GraphQLError[] };

export class DocumentCache {
  private schema: GraphQLSchema | undefined;
  private readonly entries = new Map<string, Checked>();

  constructor(private readonly capacity = 1_000) {}

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
    const checked = parseAndValidate(schema, query);
    this.entries.set(query, checked);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return checked;
  }
}

function parseAndValidate(schema: GraphQLSchema, query: string): Checked {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return { errors: [error as GraphQLError] };
  }
  const errors = validate(schema, document);
  return errors.length ? { errors } : { document };
}
