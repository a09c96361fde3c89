// Typed environment getters over the registry (./variables.ts), which holds every variable's
// default and validation: a reader names the variable, the registry says the rest. Each service
// parses its whole configuration once at start-up; anything missing or malformed is reported
// together, and the process exits non-zero.
import { describeProtocols, resolveDefault, type Default, type OneOfVariable, type ServiceName } from './variable-kinds';
import { VARIABLES, type ChoiceOf, type NamesOf, type VariableName } from './variables';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

export interface ReadOptions<T> {
  /** Whose default applies, for a variable with one per service (PORT). */
  service?: ServiceName;
  /** The value of a derived default, computed by the caller from other settings. */
  derived?: T;
}

/** Reads variables from `source`, collecting every problem instead of stopping at the first. */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every variable asked for, so a deployment's manifests can be checked against what is read. */
  readonly names = new Set<string>();

  constructor(private readonly source: Env = process.env) {}

  /** The trimmed value of `name`, recorded as read; blanks count as unset. */
  private read(name: VariableName): string | undefined {
    this.names.add(name);
    return this.source[name]?.trim() || undefined;
  }

  /** The value of `name`, else its default here; undefined where it has none (and the problem noted). */
  private valueOrDefault<T>(
    name: VariableName,
    fallback: Default<T>,
    options: ReadOptions<T>,
    parse: (raw: string) => T | undefined,
  ) {
    // NODE_ENV counts as read even when the value is set: what the variable may be depends on it.
    const production = this.production;
    const raw = this.read(name);
    if (raw !== undefined) return parse(raw);
    const value = resolveDefault(name, fallback, { production, ...options });
    if (value === undefined) this.problems.push(`${name} is required`);
    return value;
  }

  get production(): boolean {
    return this.read('NODE_ENV') === 'production';
  }

  /** Whether the environment sets `name`: for callers that do something else when it is unset. */
  has(name: VariableName): boolean {
    return this.read(name) !== undefined;
  }

  string(name: NamesOf<'string'>, options: ReadOptions<string> = {}): string {
    const { default: fallback, pattern } = VARIABLES[name];
    const value = this.valueOrDefault(name, fallback, options, (raw) => raw) ?? '';
    if (pattern && value && !pattern.regex.test(value)) this.problems.push(`${name} must be ${pattern.rule}`);
    return value;
  }

  /**
   * A secret: development runs on a well-known default; production must set its own, at least
   * 32 characters, and never the development one, or the service refuses to start.
   */
  secret(name: NamesOf<'secret'>): string {
    const variable = VARIABLES[name];
    const value = this.valueOrDefault(name, variable.default, {}, (raw) => raw) ?? '';
    if (this.production && value) {
      if (value === variable.default.development) this.problems.push(`${name} must not be the development default in production`);
      else if (value.length < 32) this.problems.push(`${name} must be at least 32 characters in production`);
    }
    return value;
  }

  int(name: NamesOf<'int'>, options: ReadOptions<number> = {}): number {
    const variable = VARIABLES[name];
    const { min = -Infinity, max = Infinity } = variable;
    const fallback = () => resolveDefault(name, variable.default, { production: this.production, ...options }) ?? 0;
    const value = this.valueOrDefault(name, variable.default, options, (raw) => {
      const parsed = Number(raw);
      if (Number.isInteger(parsed) && parsed >= min && parsed <= max) return parsed;
      this.problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback();
    });
    return value ?? 0;
  }

  url(name: NamesOf<'url'>, options: ReadOptions<string> = {}): string {
    const variable = VARIABLES[name];
    const value = this.valueOrDefault(name, variable.default, options, (raw) => raw) ?? '';
    if (!value) return value;
    const parsed = URL.parse(value);
    if (!parsed) this.problems.push(`${name} is not a valid URL`);
    else if (!variable.protocols.includes(parsed.protocol))
      this.problems.push(`${name} must be ${describeProtocols(variable.protocols)} URL`);
    return value;
  }

  oneOf<N extends NamesOf<'oneOf'>>(name: N, options: ReadOptions<ChoiceOf<N>> = {}): ChoiceOf<N> {
    const variable: OneOfVariable = VARIABLES[name];
    const fallback = () => resolveDefault<string>(name, variable.default, { production: this.production, ...options });
    const value = this.valueOrDefault<string>(name, variable.default, options, (raw) => {
      if (variable.choices.includes(raw)) return raw;
      this.problems.push(`${name} must be one of ${variable.choices.join(', ')}, got "${raw}"`);
      return fallback();
    });
    // One of N's declared choices: the value was checked against them, or is N's default. (Only
    // undefined when a choice is required and missing, which done() then refuses.)
    return (value ?? variable.choices[0]) as ChoiceOf<N>;
  }

  /** Comma-separated values; an empty list counts as unset. */
  list(name: NamesOf<'list'>, options: ReadOptions<readonly (string | RegExp)[]> = {}): (string | RegExp)[] {
    const variable = VARIABLES[name];
    const items = (this.read(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    if (items.length) return items;
    const value = resolveDefault(name, variable.default, { production: this.production, ...options });
    if (value === undefined) this.problems.push(`${name} is required`);
    return [...(value ?? [])];
  }

  /** Throws one ConfigError naming every problem found so far. */
  done(): void {
    if (this.problems.length) {
      throw new ConfigError(`Invalid configuration:\n  - ${this.problems.join('\n  - ')}`);
    }
  }
}
