// Which `_entities` fetches the entity cache may answer: those selecting nothing but the fields
// the owning subgraph promises to bump generations for (shared/cache/cached-entities.ts). Then
// each entity's answer depends only on its representation, the query and its variables.
import { Kind, OperationTypeNode, parse, type DirectiveNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { CacheableFields } from '../../shared/cache/cached-entities';

/** Variables only switch selections on and off through these; nothing else may vary. */
const ALLOWED_DIRECTIVES = new Set(['include', 'skip']);

export function selectsOnlyCacheableFields(query: string, type: string, fields: CacheableFields): boolean {
  let document;
  try {
    document = parse(query);
  } catch {
    return false;
  }
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const [operation] = operations;
  if (operations.length !== 1 || operation?.operation !== OperationTypeNode.QUERY || operation.directives?.length) return false;
  const [entities, ...others] = operation.selectionSet.selections;
  if (others.length || entities?.kind !== Kind.FIELD || entities.name.value !== '_entities' || entities.alias) return false;
  if (entities.directives?.length || !entities.selectionSet) return false;
  const fragments = new Map(
    document.definitions
      .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return new SelectionCheck(type, fragments).entities(entities.selectionSet, fields);
}

class SelectionCheck {
  /** Fragments being checked, against (invalid) cycles. */
  private readonly visiting = new Set<string>();

  constructor(
    private readonly type: string,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  /** `_entities` returns a union: only `__typename` and fragments on the cached type. */
  entities(selectionSet: SelectionSetNode, fields: CacheableFields): boolean {
    return selectionSet.selections.every((selection) => {
      if (!allowedDirectives(selection.directives)) return false;
      switch (selection.kind) {
        case Kind.FIELD:
          return selection.name.value === '__typename';
        case Kind.INLINE_FRAGMENT:
          return selection.typeCondition?.name.value === this.type && this.within(selection.selectionSet, fields);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = this.fragments.get(selection.name.value);
          return fragment?.typeCondition.name.value === this.type && this.spread(fragment, (set) => this.within(set, fields));
        }
      }
    });
  }

  private within(selectionSet: SelectionSetNode, fields: CacheableFields): boolean {
    return selectionSet.selections.every((selection) => {
      if (!allowedDirectives(selection.directives)) return false;
      switch (selection.kind) {
        case Kind.FIELD: {
          const name = selection.name.value;
          if (name === '__typename') return true;
          const allowed = fields[name];
          if (!allowed || selection.arguments?.length) return false;
          if (allowed === true) return !selection.selectionSet;
          return !!selection.selectionSet && this.within(selection.selectionSet, allowed);
        }
        case Kind.INLINE_FRAGMENT:
          return this.within(selection.selectionSet, fields);
        case Kind.FRAGMENT_SPREAD: {
          const fragment = this.fragments.get(selection.name.value);
          return !!fragment && this.spread(fragment, (set) => this.within(set, fields));
        }
      }
    });
  }

  private spread(fragment: FragmentDefinitionNode, check: (selectionSet: SelectionSetNode) => boolean): boolean {
    const name = fragment.name.value;
    if (this.visiting.has(name) || fragment.directives?.length) return false;
    this.visiting.add(name);
    try {
      return check(fragment.selectionSet);
    } finally {
      this.visiting.delete(name);
    }
  }
}

function allowedDirectives(directives: readonly DirectiveNode[] | undefined): boolean {
  return (directives ?? []).every((directive) => ALLOWED_DIRECTIVES.has(directive.name.value));
}
