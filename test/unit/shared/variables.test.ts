// The configuration registry (shared/variables.ts) and the reader over it (shared/env.ts): every
// default passes its own validation, defaults differ per environment and per service where
// declared so, and a reader reports every problem at once. No I/O.
import { DEFAULT_QUERY_LIMITS, DEFAULT_RATE_LIMITS } from '../../../gateway/limits/config';
import { ConfigError, EnvReader } from '../../../shared/env';
import { DEFAULT_SUBGRAPH_QUERY_LIMITS } from '../../../shared/limits/config';
import { databaseUrlVar, DEFAULT_PORTS, SUBGRAPHS, subgraphUrlVar } from '../../../shared/services';
import { describeProtocols, type Variable } from '../../../shared/variable-kinds';
import {
  defaultOf,
  DEVELOPMENT_INTERNAL_SECRET,
  isKnownVariable,
  isVariableName,
  SECTIONS,
  VARIABLES,
  type NamesOf,
  type VariableName,
} from '../../../shared/variables';
import { PAYMENT_PROCESSORS } from '../../../subgraphs/payment/processor';

const ALL = Object.entries(VARIABLES) as [VariableName, Variable][];

/** Reads `name` as its kind says, with what a per-service or derived default needs. */
function readAny(env: EnvReader, name: VariableName, variable: Variable): unknown {
  switch (variable.kind) {
    case 'string':
      return env.string(name as NamesOf<'string'>);
    case 'secret':
      return env.secret(name as NamesOf<'secret'>);
    case 'int':
      return env.int(name as NamesOf<'int'>, { service: 'gateway' });
    case 'url':
      return env.url(name as NamesOf<'url'>, { derived: 'http://user:4001/.well-known/jwks.json' });
    case 'oneOf':
      return env.oneOf(name as NamesOf<'oneOf'>);
    case 'list':
      return env.list(name as NamesOf<'list'>);
  }
}

function problemsOf(source: Record<string, string>, read: (env: EnvReader) => unknown): string[] {
  const env = new EnvReader(source);
  read(env);
  return env.problems;
}

describe('the configuration registry', () => {
  it('should place every variable in exactly one section, with an owner and a line of documentation', () => {
    const sectioned = SECTIONS.flatMap(({ variables }) => Object.keys(variables));
    expect([...sectioned].sort()).toEqual(Object.keys(VARIABLES).sort());
    expect(new Set(sectioned).size).toBe(sectioned.length);
    for (const [name, variable] of ALL) {
      expect({ name, owned: variable.owners.length > 0, documented: variable.doc.length > 10 }).toEqual({
        name,
        owned: true,
        documented: true,
      });
      expect(variable.doc).not.toContain('\n');
    }
  });

  it('should declare the database and subgraph URL of each subgraph under the names services.ts gives them', () => {
    for (const name of SUBGRAPHS) {
      expect(isVariableName(databaseUrlVar(name))).toBe(true);
      expect(isVariableName(subgraphUrlVar(name))).toBe(true);
    }
    expect(ALL.filter(([name]) => /_(DATABASE|SUBGRAPH)_URL$/.test(name))).toHaveLength(2 * SUBGRAPHS.length);
  });

  it.each(['development', 'production'])('should hold defaults that pass their own validation in %s', (environment) => {
    // Production requires what has no default there: set those, and check the rest.
    const env = new EnvReader({ NODE_ENV: environment });
    for (const [name, variable] of ALL) readAny(env, name, variable);
    const required = env.problems.filter((problem) => problem.endsWith(' is required'));
    expect(env.problems).toEqual(required);
    if (environment === 'development') expect(required).toEqual([]);
    else expect(required).toEqual(expect.arrayContaining(['REDIS_URL is required', 'INTERNAL_SECRET is required']));
  });

  it('should offer the choices of PAYMENT_PROCESSOR that the payment subgraph implements', () => {
    expect(VARIABLES.PAYMENT_PROCESSOR.choices).toEqual(PAYMENT_PROCESSORS);
  });

  it('should be where the limits take their defaults from', () => {
    expect(DEFAULT_QUERY_LIMITS).toEqual({ maxDepth: 10, maxAliases: 10, maxTokens: 1_000, maxCost: 10_000 });
    expect(DEFAULT_RATE_LIMITS).toEqual({ ipPerMinute: 600, userPerMinute: 300, trustedProxies: 0 });
    expect(DEFAULT_SUBGRAPH_QUERY_LIMITS).toEqual({ maxDepth: 15, maxAliases: 30, maxTokens: 0, maxCost: 50_000 });
  });

  it('should give a default per environment and per service only when asked for one', () => {
    expect(defaultOf('REDIS_URL')).toBe('redis://127.0.0.1:6379');
    expect(() => defaultOf('REDIS_URL', { production: true })).toThrow('REDIS_URL has no default in production');
    expect(defaultOf('PORT', { production: false, service: 'payment' })).toBe(DEFAULT_PORTS.payment);
    expect(() => defaultOf('PORT')).toThrow('PORT has a default per service');
  });

  it('should know the variables that pass through to the OpenTelemetry SDK and Node, and no others', () => {
    expect(isKnownVariable('OTEL_SERVICE_NAME')).toBe(true);
    expect(isKnownVariable('NODE_OPTIONS')).toBe(true);
    expect(isKnownVariable('LOG_LEVEL')).toBe(true);
    expect(isKnownVariable('LOG_LEVELS')).toBe(false);
    expect(isKnownVariable('NODE_ENVIRONMENT')).toBe(false);
  });
});

describe('EnvReader', () => {
  it('should read a declared variable with its default, trimmed, blanks counting as unset', () => {
    const env = new EnvReader({ HOST: '  0.0.0.0 ', LOG_LEVEL: '   ', MAX_TOKENS: ' 25 ' });
    expect(env.string('HOST')).toBe('0.0.0.0');
    expect(env.oneOf('LOG_LEVEL')).toBe('info');
    expect(env.int('MAX_TOKENS')).toBe(25);
    expect(env.int('BODY_LIMIT_BYTES')).toBe(100_000);
    expect(env.problems).toEqual([]);
    expect([...env.names].sort()).toEqual(['BODY_LIMIT_BYTES', 'HOST', 'LOG_LEVEL', 'MAX_TOKENS', 'NODE_ENV']);
  });

  it('should collect every problem, keep going with defaults, and then throw one ConfigError naming them all', () => {
    const env = new EnvReader({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      USER_DATABASE_URL: 'not a url',
      REDIS_URL: 'http://redis:6379',
      EVENTS_PREFIX: 'shop prefix',
    });
    expect(env.int('PORT', { service: 'user' })).toBe(4001);
    expect(env.oneOf('LOG_LEVEL')).toBe('info');
    env.url('USER_DATABASE_URL');
    env.url('REDIS_URL');
    env.string('EVENTS_PREFIX');
    const problems = [
      'PORT must be an integer between 0 and 65535, got "eighty"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
      'USER_DATABASE_URL is not a valid URL',
      'REDIS_URL must be a redis or rediss URL',
      'EVENTS_PREFIX must be 1-64 characters of letters, digits, . : _ -',
    ];
    expect(env.problems).toEqual(problems);
    expect(() => env.done()).toThrow(new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`));
  });

  it('should name the open bound of a range in its message', () => {
    expect(problemsOf({ BODY_LIMIT_BYTES: '999' }, (env) => env.int('BODY_LIMIT_BYTES'))).toEqual([
      'BODY_LIMIT_BYTES must be an integer between 1000 and Infinity, got "999"',
    ]);
    expect(problemsOf({ MAX_QUERY_COST: '2.5' }, (env) => env.int('MAX_QUERY_COST'))).toEqual([
      'MAX_QUERY_COST must be an integer between 0 and 1000000000, got "2.5"',
    ]);
  });

  it('should require in production what has a development default only', () => {
    const read = (env: EnvReader) => [env.url('ORDER_DATABASE_URL'), env.url('REDIS_URL'), env.string('HOST')];
    expect(problemsOf({}, read)).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production' }, read)).toEqual(['ORDER_DATABASE_URL is required', 'REDIS_URL is required']);
  });

  it('should refuse a secret in production that is missing, the development one, or short', () => {
    const secret = (source: Record<string, string>) => problemsOf(source, (env) => env.secret('INTERNAL_SECRET'));
    expect(new EnvReader({}).secret('INTERNAL_SECRET')).toBe(DEVELOPMENT_INTERNAL_SECRET);
    expect(secret({ NODE_ENV: 'production' })).toEqual(['INTERNAL_SECRET is required']);
    expect(secret({ NODE_ENV: 'production', INTERNAL_SECRET: DEVELOPMENT_INTERNAL_SECRET })).toEqual([
      'INTERNAL_SECRET must not be the development default in production',
    ]);
    expect(secret({ NODE_ENV: 'production', INTERNAL_SECRET: 'short' })).toEqual([
      'INTERNAL_SECRET must be at least 32 characters in production',
    ]);
    expect(secret({ NODE_ENV: 'production', INTERNAL_SECRET: 'x'.repeat(32) })).toEqual([]);
  });

  it("should take each service's own default port, and refuse to guess whose", () => {
    for (const [service, port] of Object.entries(DEFAULT_PORTS)) {
      expect(new EnvReader({}).int('PORT', { service: service as keyof typeof DEFAULT_PORTS })).toBe(port);
    }
    expect(new EnvReader({ PORT: '0' }).int('PORT', { service: 'order' })).toBe(0);
    expect(() => new EnvReader({}).int('PORT')).toThrow('PORT has a default per service: read it for one');
  });

  it('should take a derived default from the caller, and check it like a value', () => {
    const jwks = (source: Record<string, string>, derived: string) => {
      const env = new EnvReader(source);
      return { url: env.url('ACCESS_TOKEN_JWKS_URL', { derived }), problems: env.problems };
    };
    expect(jwks({}, 'http://user:4001/.well-known/jwks.json')).toEqual({
      url: 'http://user:4001/.well-known/jwks.json',
      problems: [],
    });
    expect(jwks({ ACCESS_TOKEN_JWKS_URL: 'ftp://keys' }, 'http://user/').problems).toEqual([
      'ACCESS_TOKEN_JWKS_URL must be an http or https URL',
    ]);
    // Left empty when the URL it derives from is malformed: that one is reported where it is read.
    expect(jwks({}, '')).toEqual({ url: '', problems: [] });
    expect(() => new EnvReader({}).url('ACCESS_TOKEN_JWKS_URL')).toThrow('derived default');
  });

  it('should split a list on commas, and fall back to the default of its environment when it is empty', () => {
    expect(new EnvReader({ CORS_ORIGINS: ' https://a.example , ,https://b.example' }).list('CORS_ORIGINS')).toEqual([
      'https://a.example',
      'https://b.example',
    ]);
    expect(new EnvReader({ CORS_ORIGINS: ' , ' }).list('CORS_ORIGINS')).toContain('https://studio.apollographql.com');
    expect(new EnvReader({ NODE_ENV: 'production' }).list('CORS_ORIGINS')).toEqual([]);
  });

  it('should say whether a variable is set, and count it as read', () => {
    const env = new EnvReader({ REDIS_URL: 'redis://redis:6379', USER_SUBGRAPH_URL: ' ' });
    expect(env.has('REDIS_URL')).toBe(true);
    expect(env.has('USER_SUBGRAPH_URL')).toBe(false);
    expect([...env.names]).toEqual(['REDIS_URL', 'USER_SUBGRAPH_URL']);
  });

  it('should accept only declared names, each through the getter of its kind, and type a oneOf by its choices', () => {
    const env = new EnvReader({});
    // @ts-expect-error -- not declared in the registry
    expect(() => env.string('NOT_DECLARED')).toThrow();
    // @ts-expect-error -- LOG_LEVEL is a oneOf, not an int
    env.int('LOG_LEVEL');
    const level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = env.oneOf('LOG_LEVEL');
    // @ts-expect-error -- the event bus is redis or in-process, never "on"
    const toggle: 'on' | 'off' = env.oneOf('EVENT_BUS');
    expect([level, toggle]).toEqual(['info', 'redis']);
  });

  it('should write the protocols a URL accepts the way the problem reads', () => {
    expect(describeProtocols(['http:', 'https:'])).toBe('an http or https');
    expect(describeProtocols(['postgresql:', 'postgres:', 'pglite:'])).toBe('a postgresql, postgres or pglite');
  });
});
