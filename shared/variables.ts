// Every environment variable the services, the `npm start` launcher and the `db:*` scripts read,
// declared once: its kind and validation, its default in each environment, who reads it, one line
// of documentation. shared/env.ts reads through it (a name not declared here does not compile);
// `npm run config:docs` writes docs/configuration.md's table and .env.example from it, and a test
// fails when they are stale or a deployment manifest sets a variable missing here.
import { DEVELOPMENT_ACCESS_TOKEN_KEY } from './auth/signing-keys';
import { databaseUrlVar, DEFAULT_PORTS, SUBGRAPHS, subgraphUrlVar, type SubgraphName } from './services';
import {
  derived,
  int,
  list,
  oneOf,
  perEnvironment,
  perService,
  REQUIRED,
  resolveDefault,
  secret,
  string,
  url,
  type DefaultContext,
  type IntVariable,
  type Kind,
  type ListItem,
  type ListVariable,
  type OneOfVariable,
  type ServiceName,
  type Variable,
} from './variable-kinds';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

// Well-known on purpose: development works out of the box, and production refuses to start with
// it, as with the development access-token key (auth/signing-keys.ts).
export const DEVELOPMENT_INTERNAL_SECRET = 'development-only-internal-secret-do-not-use-in-production';

// Apollo's hosted Sandbox and local frontends, in development only.
const DEVELOPMENT_ORIGINS: readonly ListItem[] = [
  'https://studio.apollographql.com',
  /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/,
];

const EVERY_SERVICE: readonly ServiceName[] = ['gateway', ...SUBGRAPHS];
const ON_OFF = ['on', 'off'] as const;
// Limits take 0 for "off"; the upper bound only keeps a typo from passing as a number.
const LIMIT = { min: 0, max: 1_000_000_000 };
const DAY_SECONDS = 24 * 60 * 60;

/** Which subgraphs call each one (order asks user and product, payment asks order). */
const CALLERS: Record<SubgraphName, readonly SubgraphName[]> = {
  user: ['order'],
  product: ['order'],
  order: ['payment'],
  payment: [],
};

export type DatabaseUrlName = `${Uppercase<SubgraphName>}_DATABASE_URL`;
export type SubgraphUrlName = `${Uppercase<SubgraphName>}_SUBGRAPH_URL`;
/** `USER_DATABASE_URL`, ... (services.ts spells them), as names the registry declares. */
export const databaseUrlName = (name: SubgraphName) => databaseUrlVar(name) as DatabaseUrlName;
export const subgraphUrlName = (name: SubgraphName) => subgraphUrlVar(name) as SubgraphUrlName;

/** One variable per subgraph, named and declared from the subgraph's name. */
function perSubgraph<Name extends string, V extends Variable>(
  nameOf: (name: SubgraphName) => Name,
  declare: (name: SubgraphName) => V,
): Record<Name, V> {
  return Object.fromEntries(SUBGRAPHS.map((name) => [nameOf(name), declare(name)])) as Record<Name, V>;
}

const SERVICE = {
  NODE_ENV: string({
    owners: [...EVERY_SERVICE, 'npm start', 'db scripts'],
    default: '',
    shownDefault: 'unset (development)',
    doc: '`production`: database URLs, `REDIS_URL` and secrets must be set and secrets are checked; no introspection (subgraphs: but for the internal identity), suggestions or Sandbox landing page',
  }),
  HOST: string({
    owners: EVERY_SERVICE,
    default: '127.0.0.1',
    accepts: 'an address',
    doc: 'The interface a service listens on: loopback unless told otherwise (the image, compose and the Kubernetes manifests set `0.0.0.0`)',
  }),
  PORT: int({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: perService(DEFAULT_PORTS),
    min: 0,
    max: 65535,
    doc: "The port a service listens on (`0`: any free one). `npm start`: the gateway's, the subgraphs keep theirs; `0` puts every service on a free port",
  }),
  LOG_LEVEL: oneOf({
    owners: EVERY_SERVICE,
    choices: LOG_LEVELS,
    default: 'info',
    doc: 'The least severe log line written (JSON logs via pino)',
  }),
  BODY_LIMIT_BYTES: int({
    owners: EVERY_SERVICE,
    default: 100_000,
    min: 1_000,
    doc: 'The largest request body accepted, in bytes; larger bodies get 413 `PAYLOAD_TOO_LARGE`',
  }),
  SHUTDOWN_DELAY_MS: int({
    owners: EVERY_SERVICE,
    default: 0,
    min: 0,
    max: 120_000,
    doc: 'After SIGTERM, how long a service still serves while `/ready` answers 503, so that load balancers drop it first (Kubernetes: `5000`)',
  }),
  SHUTDOWN_TIMEOUT_MS: int({
    owners: EVERY_SERVICE,
    default: 25_000,
    min: 1_000,
    max: 600_000,
    doc: 'After SIGTERM, when a service stops waiting for what is in flight and exits',
  }),
};

const DATABASE = {
  ...perSubgraph(databaseUrlName, (name) =>
    url({
      owners: [name, 'npm start', 'db scripts'],
      default: perEnvironment(`postgresql://postgres@127.0.0.1:5432/shop_${name}`, REQUIRED),
      protocols: ['postgresql:', 'postgres:', 'pglite:'],
      doc: `The ${name} subgraph's database; \`pglite:<directory>\` names an embedded one. \`npm start\`: unset means an embedded database in \`DATA_DIR/${name}\``,
    }),
  ),
  DATABASE_POOL_SIZE: int({
    owners: SUBGRAPHS,
    default: 10,
    min: 1,
    max: 200,
    doc: 'Connections each subgraph process may hold open to its database',
  }),
  MIGRATE_ON_START: oneOf({
    owners: SUBGRAPHS,
    choices: ON_OFF,
    default: 'on',
    doc: 'Whether a subgraph applies its pending migrations before it serves; `off` where a separate step does (compose, Kubernetes)',
  }),
};

const EVENTS = {
  REDIS_URL: url({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: perEnvironment('redis://127.0.0.1:6379', REQUIRED),
    protocols: ['redis:', 'rediss:'],
    doc: "The Redis every service shares: event bus, the gateway's subscriptions, rate limits (not read with `EVENT_BUS=in-process`). `npm start`: unset means the in-process bus",
  }),
  EVENT_BUS: oneOf({
    owners: EVERY_SERVICE,
    choices: ['redis', 'in-process'],
    default: 'redis',
    doc: '`in-process` when every service runs in one process (what `npm start` sets without `REDIS_URL`)',
  }),
  EVENTS_PREFIX: string({
    owners: EVERY_SERVICE,
    default: 'shop:',
    pattern: { regex: /^[\w.:-]{1,64}$/, rule: '1-64 characters of letters, digits, . : _ -' },
    doc: 'Every Redis key starts with it: deployments sharing one Redis use different prefixes',
  }),
  OUTBOX_RELAY: oneOf({
    owners: ['product', 'order', 'payment'],
    choices: ON_OFF,
    default: 'on',
    doc: 'Whether this instance publishes the events in its outbox; `off` makes it only write them and leave publishing to others',
  }),
};

const CALLS = {
  ...perSubgraph(subgraphUrlName, (name) => {
    const callers = CALLERS[name];
    return url({
      owners: ['gateway', ...callers],
      default: perEnvironment(`http://localhost:${DEFAULT_PORTS[name]}/graphql`, REQUIRED),
      protocols: ['http:', 'https:'],
      doc:
        `Where the ${name} subgraph answers. The gateway: replaces the supergraph's routing URL (unset: that URL)` +
        (callers.length
          ? `; ${callers.join(' and ')} ${callers.length > 1 ? 'call' : 'calls'} it there (required in production)`
          : ''),
    });
  }),
  SUBGRAPH_TIMEOUT_MS: int({
    owners: ['gateway'],
    default: 10_000,
    min: 100,
    doc: 'How long one subgraph fetch of the gateway may take, see [Resilience](operations.md#resilience-between-services)',
  }),
  SERVICE_CALL_TIMEOUT_MS: int({
    owners: ['order', 'payment'],
    default: 5_000,
    min: 100,
    doc: 'How long one call of a subgraph to another may take, see [Resilience](operations.md#resilience-between-services)',
  }),
  CIRCUIT_BREAKER_FAILURES: int({
    owners: ['gateway', 'order', 'payment'],
    default: 5,
    min: 1,
    max: 1_000,
    doc: "Failures in a row that open a called service's circuit: it is then not called for `CIRCUIT_BREAKER_RESET_MS`",
  }),
  CIRCUIT_BREAKER_RESET_MS: int({
    owners: ['gateway', 'order', 'payment'],
    default: 5_000,
    min: 10,
    max: 600_000,
    doc: 'How long an open circuit refuses calls before one call probes the service again',
  }),
};

const AUTH = {
  ACCESS_TOKEN_SIGNING_KEY: string({
    owners: ['user'],
    default: perEnvironment(DEVELOPMENT_ACCESS_TOKEN_KEY, REQUIRED),
    shownDefault: 'a development-only Ed25519 key derived from a published seed; production: required, never that key',
    accepts: 'a private key',
    doc: 'Signs access tokens (no other service holds it): an Ed25519 or P-256 private key as a one-line JWK or a PKCS#8 PEM (line breaks may be written `\\n`). See [Keys and rotation](security.md#keys-and-rotation)',
  }),
  ACCESS_TOKEN_PREVIOUS_KEYS: string({
    owners: ['user'],
    default: '',
    shownDefault: 'empty',
    accepts: 'public keys',
    doc: 'During a key rollover the previous public key(s), still published: a JWK, a JSON array of JWKs, a JWK Set or PEM blocks',
  }),
  ACCESS_TOKEN_JWKS_URL: url({
    owners: ['gateway'],
    default: derived("`/.well-known/jwks.json` on the user subgraph's host, from `USER_SUBGRAPH_URL`"),
    protocols: ['http:', 'https:'],
    doc: 'Where the gateway fetches the public keys it verifies access tokens with',
  }),
  INTERNAL_SECRET: secret({
    owners: EVERY_SERVICE,
    developmentDefault: DEVELOPMENT_INTERNAL_SECRET,
    shownDefault: 'a development-only value; production: required, 32+ characters',
    doc: 'Signs the identity the gateway passes to subgraphs (and they on to each other)',
  }),
  JWT_ISSUER: string({ owners: ['user', 'gateway'], default: 'shop-user-service', doc: "The access tokens' `iss`" }),
  JWT_AUDIENCE: string({ owners: ['user', 'gateway'], default: 'shop-api', doc: "The access tokens' `aud`" }),
  ACCESS_TOKEN_TTL_SECONDS: int({
    owners: ['user'],
    default: 15 * 60,
    min: 10,
    max: DAY_SECONDS,
    doc: 'Lifetime of a new access token (15 minutes)',
  }),
  REFRESH_TOKEN_TTL_SECONDS: int({
    owners: ['user'],
    default: 30 * DAY_SECONDS,
    min: 60,
    max: 365 * DAY_SECONDS,
    doc: 'How long a refresh token may wait before it is used (30 days; every refresh starts a new 30 days)',
  }),
  LOGIN_FAILURES_PER_ACCOUNT: int({
    owners: ['user'],
    default: 10,
    min: 0,
    max: 1_000_000,
    doc: 'Failed logins per email within `LOGIN_FAILURE_WINDOW_SECONDS`, shared by every user instance through Redis (a successful login clears the count); more answer `RATE_LIMITED` with `retryAfterSeconds`, even to the right password, until the window ends (`0` = off)',
  }),
  LOGIN_FAILURE_WINDOW_SECONDS: int({
    owners: ['user'],
    default: 15 * 60,
    min: 1,
    max: DAY_SECONDS,
    doc: 'The window `LOGIN_FAILURES_PER_ACCOUNT` counts failures in (15 minutes)',
  }),
};

const GATEWAY = {
  CORS_ORIGINS: list({
    owners: ['gateway'],
    default: perEnvironment(DEVELOPMENT_ORIGINS, []),
    shownDefault: "development: Apollo's hosted Sandbox and `localhost` origins; production: none",
    accepts: 'comma-separated origins',
    doc: 'Origins allowed to call the gateway from a browser',
  }),
  COALESCE_QUERIES: oneOf({
    owners: ['gateway'],
    choices: ON_OFF,
    default: 'on',
    doc: 'Identical queries in flight from the same caller run once; `off` runs every one on its own',
  }),
  ENTITY_CACHE: oneOf({
    owners: ['gateway'],
    choices: ON_OFF,
    default: 'on',
    doc: 'Caches `Product` entities; `off` fetches every one from the product subgraph (representations are still deduplicated)',
  }),
  WS_KEEPALIVE_MS: int({
    owners: ['gateway'],
    default: 12_000,
    min: 100,
    doc: 'graphql-ws ping interval: keeps idle sockets open through proxies and detects dead peers',
  }),
  WEB_DIST_DIR: string({
    owners: ['gateway', 'npm start'],
    default: '',
    shownDefault: 'unset: the gateway serves no app; `npm start`: `web/dist`, built first when stale',
    accepts: 'a directory',
    doc: "The storefront's built files, served by the gateway at `/` beside `/graphql`: one origin for the app and the API",
  }),
};

// The gateway's limits fit production traffic of this supergraph (every example operation in
// operations/ stays well within them, and a test keeps it that way); benchmarks turn them off.
const GATEWAY_LIMITS = {
  MAX_QUERY_DEPTH: int({
    owners: ['gateway'],
    default: 10,
    ...LIMIT,
    doc: 'Deepest field nesting of an operation; fragments are not levels (`0` = off)',
  }),
  MAX_ALIASES: int({
    owners: ['gateway'],
    default: 10,
    ...LIMIT,
    doc: 'Aliased fields per operation; `__typename` aliases are free (`0` = off)',
  }),
  MAX_TOKENS: int({
    owners: ['gateway'],
    default: 1_000,
    ...LIMIT,
    doc: 'Lexical tokens per document, counted before parsing (`0` = off)',
  }),
  MAX_QUERY_COST: int({
    owners: ['gateway'],
    default: 10_000,
    ...LIMIT,
    doc: 'Estimated cost per operation, see [Limits](security.md#limits) (`0` = off)',
  }),
  RATE_LIMIT_IP_PER_MINUTE: int({
    owners: ['gateway'],
    default: 600,
    ...LIMIT,
    doc: 'Requests and WebSocket connection attempts per client address and minute, shared by every gateway instance through Redis (`0` = off, e.g. for benchmarks)',
  }),
  RATE_LIMIT_USER_PER_MINUTE: int({
    owners: ['gateway'],
    default: 300,
    ...LIMIT,
    doc: 'Requests and WebSocket operations per signed-in user and minute (`0` = off)',
  }),
  TRUST_PROXY: int({
    owners: ['gateway'],
    default: 0,
    min: 0,
    max: 10,
    doc: 'Proxies in front of the gateway that append to X-Forwarded-For (`1` behind one load balancer); with `0` the header is ignored, so a client cannot pick its own address to dodge the rate limit',
  }),
};

// A subgraph's own limits bound what anything inside the cluster may ask of it directly, and must
// let through every fetch the gateway's query planner makes of an operation the gateway accepted
// (test/subgraphs/limits.test.ts plans them all):
// - depth 15: a planned fetch is never deeper than the client's operation (an entity fetch starts
//   at `_entities` where the client's path reached the entity), so the gateway's 10 plus room;
// - aliases 30: the client's aliases (the gateway allows 10) pass through, and the planner adds its
//   own where two selections of one response name have different types;
// - cost 50,000: five times the gateway's 10,000. The gateway charges lists that take no `first`
//   (an order's items) as 10 elements, but an order holds up to 50 items, and an entity fetch here
//   is charged per representation actually sent: 100 orders × 50 items is 5,000 products.
const SUBGRAPH_LIMITS_DOC =
  "a subgraph's own limit on whatever calls it, see [Limits](security.md#limits); keep it at or above the gateway's (`0` = off)";
const SUBGRAPH_LIMITS = {
  SUBGRAPH_MAX_QUERY_DEPTH: int({ owners: SUBGRAPHS, default: 15, ...LIMIT, doc: `Depth: ${SUBGRAPH_LIMITS_DOC}` }),
  SUBGRAPH_MAX_ALIASES: int({ owners: SUBGRAPHS, default: 30, ...LIMIT, doc: `Aliases: ${SUBGRAPH_LIMITS_DOC}` }),
  SUBGRAPH_MAX_QUERY_COST: int({ owners: SUBGRAPHS, default: 50_000, ...LIMIT, doc: `Cost: ${SUBGRAPH_LIMITS_DOC}` }),
};

const PAYMENT = {
  // The choices of subgraphs/payment/processor.ts's PAYMENT_PROCESSORS (a test keeps them equal).
  PAYMENT_PROCESSOR: oneOf({
    owners: ['payment'],
    choices: ['fake'],
    default: 'fake',
    doc: 'Who charges cards: `fake` is the only processor bundled; a real one goes beside it in `subgraphs/payment/processor.ts`',
  }),
};

const LAUNCHER = {
  DATA_DIR: string({
    owners: ['npm start'],
    default: '.data',
    accepts: 'a directory',
    doc: 'Where the embedded databases live, one folder per subgraph',
  }),
  SEED: oneOf({
    owners: ['npm start'],
    choices: ON_OFF,
    default: 'on',
    doc: 'Whether a first start (no users yet) fills the databases with the demo data; `off` never seeds',
  }),
};

// Read by the OpenTelemetry SDK as well as by shared/telemetry/tracing.ts, which decides from them
// whether tracing runs at all. The SDK reads more (PASS_THROUGH); these are the ones we document.
const TRACING = {
  OTEL_EXPORTER_OTLP_ENDPOINT: string({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: '',
    shownDefault: 'unset: no tracing',
    accepts: 'a URL',
    doc: 'Where spans are sent (OTLP over HTTP), see [Traces](operations.md#traces)',
  }),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: '',
    shownDefault: 'unset',
    accepts: 'a URL',
    doc: 'Where spans are sent instead, as a full URL (`/v1/traces` included)',
  }),
  OTEL_TRACES_EXPORTER: string({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: '',
    shownDefault: 'unset',
    doc: '`none` turns tracing off with an endpoint set',
  }),
  OTEL_SDK_DISABLED: string({
    owners: [...EVERY_SERVICE, 'npm start'],
    default: '',
    shownDefault: 'unset',
    doc: '`true` turns tracing off with an endpoint set',
  }),
};

/** The registry, in sections: the order and headings of the documentation. */
export const SECTIONS = [
  { title: 'Every service', variables: SERVICE },
  { title: 'Databases', variables: DATABASE },
  { title: 'Events', variables: EVENTS },
  { title: 'Calls between services', variables: CALLS },
  { title: 'Access tokens and the internal identity', variables: AUTH },
  { title: 'Gateway', variables: GATEWAY },
  { title: 'Limits', variables: { ...GATEWAY_LIMITS, ...SUBGRAPH_LIMITS } },
  { title: 'Payment', variables: PAYMENT },
  { title: '`npm start`', variables: LAUNCHER },
  { title: 'Tracing', variables: TRACING },
] as const satisfies readonly { title: string; variables: Record<string, Variable> }[];

export const VARIABLES = {
  ...SERVICE,
  ...DATABASE,
  ...EVENTS,
  ...CALLS,
  ...AUTH,
  ...GATEWAY,
  ...GATEWAY_LIMITS,
  ...SUBGRAPH_LIMITS,
  ...PAYMENT,
  ...LAUNCHER,
  ...TRACING,
} satisfies Record<string, Variable>;

/**
 * Variables read by others, which deployments may set although no code of ours reads them: they
 * pass through to whoever does.
 */
export const PASS_THROUGH: readonly { pattern: RegExp; shown: string; readBy: string }[] = [
  {
    pattern: /^OTEL_\w+$/,
    shown: 'OTEL_*',
    readBy: 'the OpenTelemetry SDK, e.g. `OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`',
  },
  { pattern: /^NODE_OPTIONS$/, shown: 'NODE_OPTIONS', readBy: 'Node.js' },
  { pattern: /^NPM_CONFIG_\w+$/, shown: 'NPM_CONFIG_*', readBy: 'npm, while the image is built' },
  {
    pattern: /^CHECKPOINT_DISABLE$/,
    shown: 'CHECKPOINT_DISABLE',
    readBy: "the Prisma CLI's update check, while the image is built",
  },
];

type Registry = typeof VARIABLES;
export type VariableName = keyof Registry;
/** The names declared of one kind: `int()` accepts only these. */
export type NamesOf<K extends Kind> = { [N in VariableName]: Registry[N] extends { readonly kind: K } ? N : never }[VariableName];
/** A oneOf variable's declared choices, as a union. */
export type ChoiceOf<N extends NamesOf<'oneOf'>> = Registry[N] extends OneOfVariable<infer Choices> ? Choices[number] : never;
/** What a variable is read as. */
export type ValueOf<V> = V extends IntVariable
  ? number
  : V extends OneOfVariable<infer Choices>
    ? Choices[number]
    : V extends ListVariable
      ? readonly ListItem[]
      : string;

export function isVariableName(name: string): name is VariableName {
  return Object.hasOwn(VARIABLES, name);
}

/** Whether a manifest may set `name`: declared here, or passed through to whoever reads it. */
/** Whether `name` is read by another tool (PASS_THROUGH), not by our configuration code. */
export function isPassThrough(name: string): boolean {
  return PASS_THROUGH.some(({ pattern }) => pattern.test(name));
}

export function isKnownVariable(name: string): boolean {
  return isVariableName(name) || isPassThrough(name);
}

/**
 * A variable's default where code needs it as a constant (the limits' defaults, for tests and
 * budgets), in development unless told otherwise. Throws where there is none (production, for a
 * variable required there).
 */
export function defaultOf<N extends VariableName>(
  name: N,
  context: DefaultContext<ValueOf<Registry[N]>> = { production: false },
): ValueOf<Registry[N]> {
  const variable: Variable = VARIABLES[name];
  const value = resolveDefault<unknown>(name, variable.default, context);
  if (value === undefined) throw new Error(`${name} has no default in production`);
  return value as ValueOf<Registry[N]>;
}
