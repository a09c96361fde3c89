// SIGTERM, as Kubernetes sends it before removing a pod: the gateway reports unready at once,
// keeps serving through SHUTDOWN_DELAY_MS while load balancers take it out, then stops accepting,
// finishes the requests in flight, closes WebSockets with 1001 Going Away and exits 0.
import { ADMIN, as } from '../support/auth';
import { createTestDatabases, type TestDatabases } from '../support/databases';
import { graphql } from '../support/graphql';
import { describeWithRedis } from '../support/requirements';
import { startStack, type Stack } from '../support/stack';
import { connect, subscribe } from '../support/subscriptions';
import { pollUntil } from '../support/poll';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { localGraphQLUrl } from '../../shared/services';
import { createBuyer, createProduct, placeOrder } from './helpers';

let databases: TestDatabases;
let stack: Stack;
let proxy: TcpProxy;
let orderId: string;

beforeAll(async () => {
  databases = await createTestDatabases();
  stack = await startStack(databases, { env: { ENTITY_CACHE: 'off' } });
  proxy = await startTcpProxy({ host: '127.0.0.1', port: stack.subgraphs.product.port });
  const buyer = await createBuyer(stack.admin);
  orderId = await placeOrder(stack.admin, buyer, await createProduct(stack.admin, { name: 'Drained Widget' }));
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
  await databases?.drop();
});

/** Polls `check` (bounded) until it holds: the state changes asynchronously after the signal. */
const eventually = (check: () => Promise<boolean>) => pollUntil(check, Boolean);

const refused = (url: string) =>
  fetch(new URL('/health', url)).then(
    () => false,
    () => true,
  );

describeWithRedis('graceful shutdown', () => {
  it('should go unready, keep serving through the delay, finish in-flight requests, close sockets with 1001 and exit 0', async () => {
    const gateway = await stack.start('gateway', {
      PRODUCT_SUBGRAPH_URL: localGraphQLUrl(proxy.port),
      SHUTDOWN_DELAY_MS: '1000',
    });
    const admin = as(ADMIN, gateway.url, 'gateway');
    const client = connect(admin);
    const socketClosed = new Promise<number>((resolve) =>
      client.on('closed', (event) => resolve((event as { code: number }).code)),
    );
    await subscribe(admin, `subscription { orderStatusChanged { orderId to } }`, {}, client);

    // A request held up at the product subgraph while the gateway is told to stop.
    proxy.stall();
    const inFlight = graphql(
      admin,
      `
        query ($id: ID!) {
          order(id: $id) {
            items {
              product {
                name
              }
            }
          }
        }
      `,
      { id: orderId },
    );
    const exited = gateway.stop('SIGTERM');

    expect(await eventually(async () => (await fetch(new URL('/ready', gateway.url))).status === 503)).toBe(true);
    expect(await (await fetch(new URL('/ready', gateway.url))).json()).toEqual({ status: 'draining' });
    expect((await fetch(new URL('/health', gateway.url))).status).toBe(200);
    // Still serving new requests during the delay.
    expect((await graphql(admin, '{ __typename }')).data).toEqual({ __typename: 'Query' });

    expect(await socketClosed).toBe(1001);
    // The listener is closed (no new connections) while the held request is still in flight.
    expect(await eventually(() => refused(gateway.url))).toBe(true);
    proxy.restore();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(answer.data?.order.items).toEqual([{ product: { name: 'Drained Widget' } }]);
    expect(await exited).toBe(0);
  }, 60_000);
});
