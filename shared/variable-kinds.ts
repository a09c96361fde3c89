// The shapes a configuration variable is declared in (shared/variables.ts declares every one):
// its kind and what validates it, its default in each environment, who reads it and a line of
// documentation. Nothing here names a variable; shared/env.ts reads them, and
// scripts/config-docs.ts writes the documentation from them.
import type { SubgraphName } from './services';

export type ServiceName = 'gateway' | SubgraphName;

/** Who a variable configures: a service, the `npm start` launcher, or the `db:*` scripts. */
export type Owner = ServiceName | 'npm start' | 'db scripts';

/** Marks production as having no default: the variable must be set there, or nothing starts. */
export const REQUIRED: unique symbol = Symbol('required in production');

/** One default in development (anything but NODE_ENV=production), another in production. */
export interface PerEnvironment<T> {
  readonly kind: 'per-environment';
  readonly development: T;
  readonly production: T | typeof REQUIRED;
}

/** A default for each service (PORT): the reader says which service it reads for. */
export interface PerService<T> {
  readonly kind: 'per-service';
  readonly values: Readonly<Record<ServiceName, T>>;
}

/** A default the reader computes from other settings (ACCESS_TOKEN_JWKS_URL); `description` says how. */
export interface Derived {
  readonly kind: 'derived';
  readonly description: string;
}

/** A plain value is the default everywhere. */
export type Default<T> = T | PerEnvironment<T> | PerService<T> | Derived;

export const perEnvironment = <T>(development: T, production: T | typeof REQUIRED): PerEnvironment<T> => ({
  kind: 'per-environment',
  development,
  production,
});
export const perService = <T>(values: Record<ServiceName, T>): PerService<T> => ({ kind: 'per-service', values });
export const derived = (description: string): Derived => ({ kind: 'derived', description });

interface Common {
  /** Who reads it (the "Used by" column). */
  readonly owners: readonly Owner[];
  /** One line of documentation: what it does, and what a reader must know before setting it. */
  readonly doc: string;
  /** Written in the documentation instead of the default: for keys and secrets, and for defaults no one should copy. */
  readonly shownDefault?: string;
  /** Written in the documentation instead of what the kind accepts, when that says more. */
  readonly accepts?: string;
}

/** Any text; `pattern`, when given, is what the value must match. */
export interface StringVariable extends Common {
  readonly kind: 'string';
  readonly default: Default<string>;
  readonly pattern?: { readonly regex: RegExp; readonly rule: string };
}

/**
 * A shared secret: development runs on a well-known default; production must set its own, of at
 * least 32 characters, and never the development one.
 */
export interface SecretVariable extends Common {
  readonly kind: 'secret';
  readonly default: PerEnvironment<string>;
}

export interface IntVariable extends Common {
  readonly kind: 'int';
  readonly default: Default<number>;
  readonly min?: number;
  readonly max?: number;
}

export interface UrlVariable extends Common {
  readonly kind: 'url';
  readonly default: Default<string>;
  /** As `URL.protocol` spells them: `'https:'`. */
  readonly protocols: readonly string[];
}

export interface OneOfVariable<Choices extends readonly string[] = readonly string[]> extends Common {
  readonly kind: 'oneOf';
  readonly choices: Choices;
  readonly default: Default<Choices[number]>;
}

/** An origin is a string or, in a default only, a pattern (the development origins). */
export type ListItem = string | RegExp;

/** Comma-separated values; a list that is empty once split counts as unset. */
export interface ListVariable extends Common {
  readonly kind: 'list';
  readonly default: Default<readonly ListItem[]>;
}

export type Variable = StringVariable | SecretVariable | IntVariable | UrlVariable | OneOfVariable | ListVariable;
export type Kind = Variable['kind'];

type Declaration<V extends Variable> = Omit<V, 'kind'>;

// Builders: each keeps its kind (and a oneOf its choices) in the registry's type, so a reader can
// only ask `int()` of an int and gets a oneOf's choices as its return type.
export const string = (declaration: Declaration<StringVariable>): StringVariable => ({ kind: 'string', ...declaration });
export const secret = ({
  developmentDefault,
  ...declaration
}: Omit<Declaration<SecretVariable>, 'default'> & { developmentDefault: string }): SecretVariable => ({
  kind: 'secret',
  default: perEnvironment(developmentDefault, REQUIRED),
  ...declaration,
});
export const int = (declaration: Declaration<IntVariable>): IntVariable => ({ kind: 'int', ...declaration });
export const url = (declaration: Declaration<UrlVariable>): UrlVariable => ({ kind: 'url', ...declaration });
export const list = (declaration: Declaration<ListVariable>): ListVariable => ({ kind: 'list', ...declaration });
export const oneOf = <const Choices extends readonly string[]>(
  declaration: Declaration<OneOfVariable<Choices>>,
): OneOfVariable<Choices> => ({ kind: 'oneOf', ...declaration });

/** What a default depends on: the environment, the service reading, a value computed by the reader. */
export interface DefaultContext<T> {
  production: boolean;
  service?: ServiceName;
  derived?: T;
}

/**
 * The default of `name` in `context`, or undefined where it has none (production, for a variable
 * required there). Throws for a mistake in the code, not in the configuration: a per-service
 * default read without a service, a derived one without its value.
 */
export function resolveDefault<T>(name: string, value: Default<T>, context: DefaultContext<T>): T | undefined {
  if (!isTagged(value)) return value;
  switch (value.kind) {
    case 'per-environment': {
      const chosen = context.production ? value.production : value.development;
      return chosen === REQUIRED ? undefined : chosen;
    }
    case 'per-service':
      if (!context.service) throw new Error(`${name} has a default per service: read it for one`);
      return value.values[context.service];
    case 'derived':
      if (context.derived === undefined) throw new Error(`${name} has a derived default: the reader must pass it`);
      return context.derived;
  }
}

/** Whether a default is one of the tagged shapes above rather than a plain value. */
export function isTagged<T>(value: Default<T>): value is PerEnvironment<T> | PerService<T> | Derived {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'kind' in value;
}

/** `['http:', 'https:']` → "an http or https", as the problem reads. */
export function describeProtocols(protocols: readonly string[]): string {
  const names = protocols.map((protocol) => protocol.replace(/:$/, ''));
  const listed = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '');
  // "an http", "a redis": the article goes by the sound of the first letter.
  return `${/^[aehio]/.test(listed) ? 'an' : 'a'} ${listed}`;
}
