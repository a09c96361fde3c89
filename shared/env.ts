// Typed environment getters, the leaf every configuration reader builds on: each service parses
// its whole configuration once at start-up; anything missing or malformed is reported together,
// and the process exits non-zero.
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** Reads variables from `source`, collecting every problem instead of stopping at the first. */
export class EnvReader {
  readonly problems: string[] = [];
  /** Every variable asked for, so a deployment's manifests can be checked against what is read. */
  readonly names = new Set<string>();

  constructor(private readonly source: Env = process.env) {}

  /** The trimmed value of `name`, recorded as read. */
  private read(name: string): string | undefined {
    this.names.add(name);
    return this.source[name]?.trim();
  }

  get production(): boolean {
    return this.read('NODE_ENV') === 'production';
  }

  string(name: string, fallback?: string): string {
    const value = this.read(name);
    if (value) return value;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name} is required`);
    return '';
  }

  /** A value with a development default that production must set explicitly (URLs, secrets). */
  required(name: string, developmentDefault: string): string {
    return this.string(name, this.production ? undefined : developmentDefault);
  }

  /**
   * A secret: development runs on a well-known default; production must set its own, at least
   * 32 characters, and never the development one, or the service refuses to start.
   */
  secret(name: string, developmentDefault: string): string {
    const value = this.required(name, developmentDefault);
    if (this.production && value) {
      if (value === developmentDefault) this.problems.push(`${name} must not be the development default in production`);
      else if (value.length < 32) this.problems.push(`${name} must be at least 32 characters in production`);
    }
    return value;
  }

  int(name: string, fallback: number, { min = -Infinity, max = Infinity } = {}): number {
    const raw = this.read(name);
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      this.problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  }

  url(name: string, developmentDefault: string, protocols: string[]): string {
    const value = this.required(name, developmentDefault);
    if (!value) return value;
    try {
      const parsed = new URL(value);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must be a ${protocols.join(' or ')} URL`);
      }
    } catch {
      this.problems.push(`${name} is not a valid URL`);
    }
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.read(name);
    if (!raw) return fallback;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
    return fallback;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.read(name);
    return raw
      ? raw
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean)
      : fallback;
  }

  /** Throws one ConfigError naming every problem found so far. */
  done(): void {
    if (this.problems.length) {
      throw new ConfigError(`Invalid configuration:\n  - ${this.problems.join('\n  - ')}`);
    }
  }
}
