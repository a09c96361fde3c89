// The in-process event bus (`npm start` without Redis) against a real order database: what the
// relay publishes reaches each consumer group once and tails see it, the outbox marks an event
// published only once every group has handled it, a failing handler is retried and then put
// aside, and a hub that is held or closed leaves events in the outbox.
import { EnvReader, readSubgraphConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/contracts';
import { enqueueEvent } from '../../../shared/events/outbox';
import { InProcessEventBus, InProcessEventHub } from '../../../shared/events/in-process-bus';
import type { Worker } from '../../../shared/events/bus';
import { createLogger } from '../../../shared/logger';
import { databaseUrlVar } from '../../../shared/services';
import { createDb, type Db } from '../../../subgraphs/order/db';
import { createTestDatabases, type TestDatabases } from '../../support/databases';
import { buildEnvelope, createCollector } from '../../support/streams';
import { newUuid7 } from '../../../shared/uuid7';

const logger = createLogger('events-in-process-test', 'silent');
const config = { redisUrl: null, prefix: 'in-process-test:', relay: true };

let databases: TestDatabases;
let db: Db;
let hub: InProcessEventHub;
const running: Worker[] = [];

beforeAll(async () => {
  databases = await createTestDatabases(['order']);
  db = createDb(readSubgraphConfig(new EnvReader({ NODE_ENV: 'test', [databaseUrlVar('order')]: databases.order }), 'order'));
});

beforeEach(async () => {
  await db.$executeRawUnsafe('TRUNCATE outbox, processed_events');
  hub = new InProcessEventHub();
});

afterEach(async () => {
  hub.close();
  for (const worker of running.splice(0).reverse()) await worker.stop();
});

afterAll(async () => {
  await db?.$disconnect();
  await databases?.drop();
});

function bus(service: string): InProcessEventBus {
  return new InProcessEventBus(config, service, logger, hub);
}

async function start(worker: Worker): Promise<Worker> {
  await worker.start();
  running.push(worker);
  return worker;
}

function orderCreated(): EventEnvelope<'OrderCreated'> {
  return buildEnvelope('OrderCreated', {
    orderId: newUuid7(),
    userId: newUuid7(),
    items: [],
  });
}

async function enqueue(envelope = orderCreated()): Promise<string> {
  return db.$transaction((tx) => enqueueEvent(tx, 'OrderCreated', envelope.payload));
}

async function unpublished(): Promise<number> {
  return db.outboxEvent.count({ where: { publishedAt: null } });
}

describe('in-process event bus', () => {
  it('should hand a committed event to each consumer group once and to every tail, then mark it published', async () => {
    const product = createCollector<string>();
    const payment = createCollector<string>();
    const tail = createCollector<string>();
    await start(bus('product').consumer(['order'], { OrderCreated: async (event) => product.push(event.id) }));
    await start(bus('payment').consumer(['order'], { OrderCreated: async (event) => payment.push(event.id) }));
    await start(bus('gateway').tail<EventEnvelope>('order', (event) => tail.push(event.id)));
    const relay = await start(bus('order').relay(databases.order));

    const eventId = await enqueue();

    expect(await product.waitFor(1)).toEqual([eventId]);
    expect(await payment.waitFor(1)).toEqual([eventId]);
    expect(await tail.waitFor(1)).toEqual([eventId]);
    // Stopping waits for the drain in progress, the marking of its events included.
    await relay.stop();
    expect(await unpublished()).toBe(0);
    expect(product.items).toEqual([eventId]);
  });

  it('should retry a failing handler, and mark the event published only once it succeeded', async () => {
    let attempts = 0;
    const unpublishedWhileFailing: number[] = [];
    const handled = createCollector<number>();
    await start(
      bus('product').consumer(['order'], {
        OrderCreated: async () => {
          attempts += 1;
          if (attempts < 3) {
            unpublishedWhileFailing.push(await unpublished());
            throw new Error('not yet');
          }
          handled.push(attempts);
        },
      }),
    );
    const relay = await start(bus('order').relay(databases.order));

    await enqueue();

    expect(await handled.waitFor(1)).toEqual([3]);
    expect(unpublishedWhileFailing).toEqual([1, 1]);
    await relay.stop();
    expect(await unpublished()).toBe(0);
    expect(hub.deadLetters).toEqual([]);
  });

  it('should put an event aside after five failed deliveries and go on with the next', async () => {
    const later = createCollector<string>();
    const poison = orderCreated();
    await start(
      bus('product').consumer(['order'], {
        OrderCreated: async (event) => {
          if (event.payload.orderId === poison.payload.orderId) throw new Error('cannot handle this one');
          later.push(event.id);
        },
      }),
    );
    await start(bus('order').relay(databases.order));

    const poisonId = await enqueue(poison);
    const nextId = await enqueue();

    expect(await later.waitFor(1, 10_000)).toEqual([nextId]);
    expect(hub.deadLetters.map(({ group, event }) => [group, event.id])).toEqual([['product', poisonId]]);
  });

  it('should hold events while held, and leave them in the outbox once closed', async () => {
    const handled = createCollector<string>();
    await start(bus('product').consumer(['order'], { OrderCreated: async (event) => handled.push(event.id) }));
    hub.hold();
    await start(bus('order').relay(databases.order));

    const held = await enqueue();
    expect(await handled.waitFor(1, 300).catch(() => 'nothing yet')).toBe('nothing yet');
    hub.open();
    expect(await handled.waitFor(1)).toEqual([held]);

    hub.close();
    await enqueue();
    expect(await handled.waitFor(2, 300).catch(() => 'nothing more')).toBe('nothing more');
    expect(await unpublished()).toBe(1);
  });
});
