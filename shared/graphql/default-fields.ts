// GraphQL reads a field that has no resolver straight off its parent: a Prisma row or another
// model the generated `Resolvers` maps the type to (codegen.ts). The generated types check every
// resolver, but not those fields: this does, so a field whose SDL type changes fails the type-check
// even when no resolver mentions it. Each subgraph's resolvers.ts applies it to its map.
import type { GraphQLScalarType } from 'graphql';

/** What a generated field resolver (a function, or `{ resolve }`) hands to GraphQL. */
type FieldResult<F> = F extends (...args: never[]) => infer R
  ? Awaited<R>
  : F extends { resolve: (...args: never[]) => infer R }
    ? Awaited<R>
    : never;

/** The parent a generated field resolver receives: the model its type is mapped to. */
type FieldParent<F> = F extends (parent: infer P, ...rest: never[]) => unknown ? P : never;

/** A nullable field's value may also be missing (undefined): GraphQL answers null for both. */
type Nullish<T> = null extends T ? T | undefined : T;

/** The fields of a type the map has no resolver for (`__resolveReference` and the like are no fields). */
type DefaultFields<TypeResolvers, Implemented> = Exclude<keyof TypeResolvers, Implemented | `__${string}`> & string;

/** `Type.field` for each default field whose model lacks it or holds a value of another type. */
type MismatchesOf<TypeName extends string, TypeResolvers, Implemented> = {
  [K in DefaultFields<TypeResolvers, Implemented>]-?: FieldParent<NonNullable<TypeResolvers[K]>> extends infer Parent
    ? K extends keyof Parent
      ? [Parent[K]] extends [Nullish<FieldResult<NonNullable<TypeResolvers[K]>>>]
        ? never
        : `${TypeName}.${K}`
      : `${TypeName}.${K}`
    : never;
}[DefaultFields<TypeResolvers, Implemented>];

/**
 * Every field of `TResolvers` (a generated `Resolvers` type) that the resolver map `TMap` leaves
 * to GraphQL's default resolver and whose model does not hold a value of the SDL's type, as
 * `Type.field`; `never` when there is none. `TMap` is the map's own type (`satisfies Resolvers`,
 * not `: Resolvers`, which would forget which resolvers it has).
 */
export type DefaultFieldMismatches<TResolvers, TMap> = {
  [TypeName in keyof TResolvers & string]-?: NonNullable<TResolvers[TypeName]> extends GraphQLScalarType
    ? never
    : MismatchesOf<TypeName, NonNullable<TResolvers[TypeName]>, TypeName extends keyof TMap ? keyof TMap[TypeName] : never>;
}[keyof TResolvers & string];

/** Compiles only when `TMismatches` is `never`; otherwise the error names the fields. */
export type NoDefaultFieldMismatches<TMismatches extends never> = TMismatches;
