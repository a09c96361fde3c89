// Logs of the real service processes at their most verbose (trace), while a client signs up,
// logs in, refreshes, calls with its token and makes mistakes: every line is JSON, request lines
// carry the request and trace ids, one request's id shows up in the gateway's and the
// subgraph's logs, and no password, token, secret or database password appears anywhere.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { ServiceProcess } from '../../../shared/process/service-process';
import { SUBGRAPHS, subgraphUrlVar } from '../../../shared/services';
import { TEST_POSTGRES } from '../../support/backends';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { errorCodes, graphql, ok } from '../../support/graphql';
import { describeWithRedis } from '../../support/requirements';
import { pollUntil } from '../../support/poll';
import { startStack, type Stack } from '../../support/stack';
import { startOtlpReceiver, type OtlpReceiver } from '../../support/otlp-receiver';

const distinct = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

const PASSWORD = distinct('Password');
const WRONG_PASSWORD = distinct('WrongPassword');
const REJECTED_PASSWORD = distinct('RejectedPassword');
// The user subgraph's private key: its private member must never show.
const SIGNING_KEY = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
const INTERNAL_SECRET = distinct('internal-secret-for-the-logging-test');
const DATABASE_PASSWORD = distinct('DatabasePassword');
const FORGED_IDENTITY = distinct('forged-identity-header');
const FORGED_BEARER = distinct('forged-bearer-token');
const SEARCH_VARIABLE = distinct('search-term-in-a-get');
const REQUEST_ID = distinct('client-request');

interface LogLine {
  level: number;
  service: string;
  msg: string;
  request_id?: string;
  trace_id?: string;
  span_id?: string;
  path?: string;
  status?: number;
}

/** The database URL with a password (the local server trusts every connection anyway). */
function withPassword(url: string): string {
  if (TEST_POSTGRES === 'embedded') return url;
  const parsed = new URL(url);
  parsed.password = DATABASE_PASSWORD;
  return parsed.toString();
}

// Each service in a process of its own (without Redis, the stack's one process formats its logs
// for a terminal instead).
describeWithRedis('structured logs', () => {
  let databases: TestDatabases;
  let stack: Stack;
  let processes: ServiceProcess[];
  // Tracing runs only when spans go somewhere; then every log line carries the trace id too.
  let collector: OtlpReceiver;
  const secrets: Record<string, string> = {
    PASSWORD,
    WRONG_PASSWORD,
    REJECTED_PASSWORD,
    SIGNING_KEY_PRIVATE_PART: SIGNING_KEY.d!,
    INTERNAL_SECRET,
    FORGED_IDENTITY,
    FORGED_BEARER,
    SEARCH_VARIABLE,
    ...(TEST_POSTGRES === 'server' && { DATABASE_PASSWORD }),
  };

  beforeAll(async () => {
    databases = await createTestDatabases();
    collector = await startOtlpReceiver();
    const urls = Object.fromEntries(SUBGRAPHS.map((name) => [name, withPassword(databases[name])]));
    stack = await startStack(
      { ...databases, ...urls },
      {
        env: {
          LOG_LEVEL: 'trace',
          ACCESS_TOKEN_SIGNING_KEY: JSON.stringify(SIGNING_KEY),
          INTERNAL_SECRET,
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
        },
      },
    );
    // One process per service, or the one process of the whole stack (no Redis server).
    processes = [...new Map([...stack.gateways, ...Object.values(stack.subgraphs)].map((p) => [p.child.pid, p])).values()];
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await collector?.close();
    await databases?.drop();
  });

  const output = () => processes.map((process) => process.output()).join('');
  const lines = (process: ServiceProcess) =>
    process
      .output()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);

  /** The line a process logged when it answered request `requestId`. */
  const requestLine = (process: ServiceProcess, requestId: string) =>
    lines(process).find((line) => line.request_id === requestId && line.status !== undefined);

  /** Resolves once every process has logged what `done` waits for, polling its output. */
  async function waitForLogs(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (!(await pollUntil(done, Boolean, { timeoutMs }))) {
      throw new Error(`the expected log lines did not arrive within ${timeoutMs} ms`);
    }
  }

  it('should keep passwords, tokens and secrets out of every log line while clients sign in and fail', async () => {
    const gateway = stack.gatewayUrl;
    const email = `${distinct('logger')}@example.com`;
    const signUp = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken refreshToken } }`;
    const login = `mutation LogIn($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken } }`;
    const signedUp = (await ok(gateway, signUp, { input: { email, password: PASSWORD, name: 'Logged' } })).signUp;
    const loggedIn = (await ok(gateway, login, { email, password: PASSWORD })).login;
    const refreshed = (
      await ok(gateway, `mutation Refresh($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken } }`, {
        token: loggedIn.refreshToken,
      })
    ).refresh;
    const bearer = { authorization: `Bearer ${refreshed.accessToken}` };
    expect((await ok(gateway, 'query Me { me { email } }', {}, bearer)).me.email).toBe(email);

    expect(errorCodes(await graphql(gateway, login, { email, password: WRONG_PASSWORD }))).toEqual(['UNAUTHENTICATED']);
    const invalid = await graphql(gateway, signUp, { input: { email: 'not-an-email', password: REJECTED_PASSWORD, name: 'X' } });
    expect(errorCodes(invalid)).toEqual(['BAD_USER_INPUT']);
    const forged = await graphql(gateway, 'query Me { me { email } }', {}, { authorization: `Bearer ${FORGED_BEARER}` });
    expect(errorCodes(forged)).toEqual(['UNAUTHENTICATED']);
    const direct = await graphql(
      stack.subgraphs.user.url,
      'query Me { me { email } }',
      {},
      { 'x-internal-identity': FORGED_IDENTITY },
    );
    expect(errorCodes(direct)).toEqual(['UNAUTHENTICATED']);
    // Variables in a GET's query string.
    const get = new URL(gateway);
    get.searchParams.set('query', 'query Search($s: String) { products(filter: { search: $s }) { edges { node { id } } } }');
    get.searchParams.set('variables', JSON.stringify({ s: SEARCH_VARIABLE }));
    expect((await fetch(get, { headers: { 'apollo-require-preflight': 'true' } })).status).toBe(200);

    // Last, and waited for in the logs of the gateway and the user subgraph (the processes that
    // served it): everything before it has been logged there too.
    await ok(gateway, 'query Me { me { email } }', {}, { ...bearer, 'x-request-id': REQUEST_ID });
    const served = [stack.gateways[0]!, stack.subgraphs.user];
    await waitForLogs(() => served.every((process) => requestLine(process, REQUEST_ID) !== undefined));

    const tokens = { signedUp, loggedIn, refreshed };
    const everything = output();
    const leaks = Object.entries({
      ...secrets,
      ...Object.fromEntries(
        Object.entries(tokens).flatMap(([name, pair]) => [
          [`${name}.accessToken`, pair.accessToken as string],
          [`${name}.refreshToken`, pair.refreshToken as string],
        ]),
      ),
    }).filter(([, secret]) => everything.includes(secret));
    expect(leaks.map(([name]) => name)).toEqual([]);
    // No JWT at all: that covers the internal identity tokens the gateway signs for subgraphs.
    expect(everything.match(/eyJ[\w-]{10,}\.[\w-]+\.[\w-]+/g) ?? []).toEqual([]);
  });

  it('should write JSON lines, each request with its request id and trace id, one id across services', async () => {
    const requestId = distinct('traced-request');
    await ok(stack.gatewayUrl, 'query Catalogue { categories { name } }', {}, { 'x-request-id': requestId });
    const gatewayProcess = stack.gateways[0]!;
    const productProcess = stack.subgraphs.product;
    const requestLines = (process: ServiceProcess, service: string) =>
      lines(process).filter((line) => line.request_id === requestId && line.service === service && line.path === '/graphql');
    await waitForLogs(
      () => requestLines(gatewayProcess, 'gateway').length > 0 && requestLines(productProcess, 'product').length > 0,
    );

    // Every line of every process parses (lines() throws on one that does not).
    for (const process of processes) expect(lines(process).length).toBeGreaterThan(0);
    const [atGateway] = requestLines(gatewayProcess, 'gateway');
    const [atProduct] = requestLines(productProcess, 'product');
    expect(atGateway).toMatchObject({ status: 200, msg: 'POST /graphql 200', trace_id: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(atProduct).toMatchObject({ status: 200, trace_id: atGateway!.trace_id });
    // Every request line has both ids.
    const all = processes.flatMap(lines).filter((line) => line.path !== undefined && line.status !== undefined);
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((line) => !line.request_id || !line.trace_id)).toEqual([]);
  });

  it('should carry the request id on every line and every call between services without tracing', async () => {
    // No endpoint, no tracing: the request id rides in its own async context, in every service.
    const order = await stack.start('order', { OTEL_EXPORTER_OTLP_ENDPOINT: '' });
    const untraced = await stack.start('gateway', { OTEL_EXPORTER_OTLP_ENDPOINT: '', [subgraphUrlVar('order')]: order.url });
    const email = `${distinct('untraced')}@example.com`;
    const signUp = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { accessToken } }`;
    const { accessToken } = (await ok(untraced.url, signUp, { input: { email, password: PASSWORD, name: 'Untraced' } })).signUp;
    const requestId = distinct('untraced-request');
    // The order subgraph asks the user and product subgraphs before it writes (here: no such product).
    const placed = await graphql(
      untraced.url,
      'mutation Place($items: [OrderItemInput!]!) { placeOrder(items: $items) { id } }',
      { items: [{ productId: '00000000-0000-7000-8000-000000000000', quantity: 1 }] },
      { authorization: `Bearer ${accessToken}`, 'x-request-id': requestId },
    );
    expect(errorCodes(placed)).toEqual(['NOT_FOUND']);

    const deepLines = () => lines(order).filter((line) => line.msg === 'service call answered');
    const productLines = () => lines(stack.subgraphs.product).filter((line) => line.request_id === requestId);
    await waitForLogs(() => productLines().length > 0 && requestLine(untraced, requestId) !== undefined);
    expect(requestLine(untraced, requestId)).toMatchObject({ status: 200, request_id: requestId });
    expect(requestLine(untraced, requestId)?.trace_id).toBeUndefined();
    // A line written deep inside the order subgraph's resolver, not its request line.
    expect(deepLines().filter((line) => line.request_id === requestId).length).toBeGreaterThan(0);
    expect(deepLines().every((line) => line.request_id !== undefined && line.trace_id === undefined)).toBe(true);
    // The order subgraph's own call to the product subgraph forwarded the id.
    expect(productLines()[0]).toMatchObject({ status: 200, path: '/graphql', request_id: requestId });
  });

  it("should answer every request with its request id, the client's when acceptable", async () => {
    const accepted = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'abc-123.DEF_4' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(accepted.headers.get('x-request-id')).toBe('abc-123.DEF_4');
    const replaced = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'no spaces or "quotes" allowed' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
