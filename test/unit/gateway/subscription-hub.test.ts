// The subscription hub on its own: no sockets, no stream, no supergraph. Its queries run against a
// small schema in memory (the fake RunQuery below), so batching, splitting and ordering can be
// watched query by query.
import { randomUUID } from 'node:crypto';
import {
  buildSchema,
  execute,
  GraphQLError,
  getOperationAST,
  parse,
  type ExecutionResult,
  type GraphQLFieldResolver,
} from 'graphql';
import { Registry } from 'prom-client';
import { Viewer, type Identity } from '../../../shared/auth/identity';
import type { OrderStatusName } from '../../../shared/events/contracts';
import { createLogger } from '../../../shared/logger';
import { bucketSize, maxBatchSize } from '../../../gateway/subscriptions/batch-query';
import { toEventQuery } from '../../../gateway/subscriptions/event-query';
import {
  audienceOf,
  createSubscriptionHub,
  type StatusChangeEvent,
  type SubscriptionHub,
} from '../../../gateway/subscriptions/hub';

const schema = buildSchema(/* GraphQL */ `
  scalar DateTime
  enum OrderStatus {
    PENDING
    CONFIRMED
    PAID
    SHIPPED
    DELIVERED
  }
  type Money {
    amount: Int!
    currency: String!
  }
  type Order {
    id: ID!
    status: OrderStatus!
    total: Money!
  }
  type OrderStatusChange {
    id: ID!
    orderId: ID!
    order: Order!
    from: OrderStatus
    to: OrderStatus!
    at: DateTime!
    reason: String
    version: Int!
  }
  type Query {
    orderStatusChange(id: ID!): OrderStatusChange
    order(id: ID!): Order
  }
  type Subscription {
    orderStatusChanged(orderId: ID): OrderStatusChange!
  }
`);

const ADMIN: Identity = { userId: randomUUID(), role: 'ADMIN' };

function buildChange(overrides: Partial<StatusChangeEvent['payload']> = {}): StatusChangeEvent {
  return {
    id: randomUUID(),
    type: 'OrderStatusChanged',
    occurredAt: '2026-12-06T12:00:00.000Z',
    payload: {
      orderId: randomUUID(),
      userId: randomUUID(),
      changeId: randomUUID(),
      from: 'CONFIRMED',
      to: 'PAID',
      at: '2026-12-06T12:00:00.000Z',
      reason: null,
      version: 3,
      ...overrides,
    },
  };
}

/** The next status of an order's change: its history continued. */
function nextChange(previous: StatusChangeEvent, to: OrderStatusName): StatusChangeEvent {
  const { orderId, userId, version } = previous.payload;
  return buildChange({ orderId, userId, from: previous.payload.to, to, version: version + 1 });
}

interface Call {
  query: string;
  variables: Record<string, unknown>;
  viewer: Viewer;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/**
 * A hub whose queries run against `schema`, changes and orders looked up among the events
 * published (an order as its latest change left it). Each query waits for `release()` when
 * `gated`; `respond` may rewrite a result before the hub gets it. Plans are not warmed unless
 * asked, so that every query seen resolves changes.
 */
function createHub({
  gated = false,
  warmPlans = false,
  respond = (result: ExecutionResult) => result,
}: { gated?: boolean; warmPlans?: boolean; respond?: (result: ExecutionResult, call: Call) => ExecutionResult } = {}) {
  const changes = new Map<string, StatusChangeEvent['payload']>();
  const orders = new Map<string, { id: string; status: string; total: { amount: number; currency: string } }>();
  const calls: Call[] = [];
  let gates: ReturnType<typeof deferred>[] = [];
  const started: (() => void)[] = [];
  const resolver: GraphQLFieldResolver<unknown, unknown> = (source, args: { id?: string }, _context, info) => {
    if (info.parentType.name === 'Query' && info.fieldName === 'order') {
      const order = orders.get(args.id!);
      if (!order) throw new GraphQLError('No such order', { extensions: { code: 'NOT_FOUND' } });
      return order;
    }
    if (info.parentType.name === 'Query') {
      const change = changes.get(args.id!);
      if (!change) throw new GraphQLError('No such change', { extensions: { code: 'NOT_FOUND' } });
      return { ...change, id: change.changeId, order: orders.get(change.orderId) };
    }
    return (source as Record<string, unknown>)[info.fieldName];
  };
  const registry = new Registry();
  const hub = createSubscriptionHub(
    async (viewer, query, variables, operationName) => {
      const call = { query, variables, viewer };
      calls.push(call);
      for (const wake of started.splice(0)) wake();
      if (gated) {
        const gate = deferred();
        gates.push(gate);
        await gate.promise;
      }
      const result = await execute({
        schema,
        document: parse(query),
        variableValues: variables,
        operationName,
        fieldResolver: resolver,
      });
      return respond(result, call);
    },
    createLogger('test', 'silent'),
    registry,
    { warmPlans },
  );
  return {
    hub,
    calls,
    registry,
    publish: (event: StatusChangeEvent) => {
      const { changeId, orderId, to } = event.payload;
      changes.set(changeId, event.payload);
      orders.set(orderId, { id: orderId, status: to, total: { amount: 1_250, currency: 'USD' } });
      hub.publish(event);
    },
    /** Lets every query in flight answer. */
    release: () => {
      for (const gate of gates) gate.resolve();
      gates = [];
    },
    /** Resolves once the hub has sent its `count`th query. */
    queried: async (count: number) => {
      while (calls.length < count) await new Promise<void>((resolve) => started.push(resolve));
    },
    gauge: async (name: string) => {
      const metric = await registry.getSingleMetric(name)?.get();
      return metric?.values[0]?.value;
    },
  };
}

function subscribe(hub: SubscriptionHub, query: string, variables: Record<string, unknown> = {}, identity = ADMIN) {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  return hub.subscribe(toEventQuery(schema, document, operation, variables), audienceOf(new Viewer(identity)));
}

/** The next `count` results of a subscription. */
async function take(subscription: AsyncIterator<ExecutionResult>, count: number): Promise<ExecutionResult[]> {
  const results: ExecutionResult[] = [];
  for (let i = 0; i < count; i += 1) {
    const next = await subscription.next();
    if (next.done) throw new Error(`the subscription ended after ${i} results`);
    results.push(next.value);
  }
  return results;
}

/** Results as the transports write them (GraphQLErrors serialised by their toJSON). */
const asJson = (results: ExecutionResult[]) => JSON.parse(JSON.stringify(results)) as unknown;

const WITH_ORDER = /* GraphQL */ `
  subscription Watch($id: ID) {
    mine: orderStatusChanged(orderId: $id) {
      to
      version
      order {
        total {
          amount
        }
      }
    }
  }
`;

describe('SubscriptionHub', () => {
  it('should resolve the changes that arrive during a query together, in one query with one root field per order', async () => {
    const { hub, calls, publish, release, queried } = createHub({ gated: true });
    const subscription = subscribe(hub, WITH_ORDER);
    const events = Array.from({ length: 4 }, () => buildChange());
    publish(events[0]!);
    await queried(1);
    for (const event of events.slice(1)) publish(event);
    release();
    await queried(2);
    release();

    const results = await take(subscription, 4);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.query).toMatch(/c0: order\(id: \$__c0\).*c1: order\(id: \$__c1\)/s);
    // Three changes travel in a batch of four, padded with the last: few distinct texts to plan.
    expect(calls[1]!.variables).toEqual({
      __c0: events[1]!.payload.orderId,
      __c1: events[2]!.payload.orderId,
      __c2: events[3]!.payload.orderId,
      __c3: events[3]!.payload.orderId,
    });
    expect(results.map((result) => result.data)).toEqual(
      events.map(() => ({ mine: { to: 'PAID', version: 3, order: { total: { amount: 1_250 } } } })),
    );
    expect(results.every((result) => !result.errors)).toBe(true);
  });

  it('should resolve the changes of one stream read in one query', async () => {
    const { hub, calls, publish } = createHub();
    const subscription = subscribe(hub, WITH_ORDER);
    const events = Array.from({ length: 5 }, () => buildChange());
    for (const event of events) publish(event);
    await take(subscription, 5);
    expect(calls).toHaveLength(1);
    expect(Object.keys(calls[0]!.variables)).toHaveLength(bucketSize(5));
  });

  it("should give each change of a batch its own data and errors, under the client's alias", async () => {
    const { hub, publish } = createHub({
      respond: (result) => ({
        data: { ...result.data, c1: null },
        errors: [
          new GraphQLError('Payment subgraph unavailable', {
            path: ['c1', 'total'],
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          }),
          new GraphQLError('Something about the whole query', { extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
        ],
      }),
    });
    const subscription = subscribe(hub, WITH_ORDER);
    publish(buildChange());
    publish(buildChange({ to: 'SHIPPED' }));
    expect(asJson(await take(subscription, 2))).toEqual([
      {
        data: { mine: { to: 'PAID', version: 3, order: { total: { amount: 1_250 } } } },
        errors: [{ message: 'Something about the whole query', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
      },
      {
        // Its order came back null: the change, whose order is non-null, is null too.
        data: { mine: null },
        errors: [
          {
            message: 'Payment subgraph unavailable',
            path: ['mine', 'order', 'total'],
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          },
          { message: 'Something about the whole query', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
          expect.objectContaining({ message: 'Cannot return null for non-nullable field OrderStatusChange.order.' }),
        ],
      },
    ]);
  });

  it("should deliver each order's changes in order, and each change once however often the bus delivers it", async () => {
    const { hub, publish, release, queried } = createHub({ gated: true });
    const all = subscribe(hub, `subscription { orderStatusChanged { orderId to order { status } } }`);
    const paid = buildChange();
    const other = buildChange();
    const shipped = nextChange(paid, 'SHIPPED');
    const delivered = nextChange(shipped, 'DELIVERED');
    publish(paid);
    await queried(1);
    publish(other);
    publish(shipped);
    publish(paid);
    release();
    await queried(2);
    publish(delivered);
    publish(shipped);
    release();
    await queried(3);
    release();

    const results = await take(all, 4);
    const seen = results.map(({ data }) => (data as { orderStatusChanged: { orderId: string; to: string } }).orderStatusChanged);
    expect(seen.filter((change) => change.orderId === paid.payload.orderId).map((change) => change.to)).toEqual([
      'PAID',
      'SHIPPED',
      'DELIVERED',
    ]);
    expect(seen.filter((change) => change.orderId === other.payload.orderId)).toHaveLength(1);
    // Nothing else was waiting: the next result is the next change.
    const last = nextChange(other, 'SHIPPED');
    publish(last);
    await queried(4);
    release();
    expect((await take(all, 1))[0]?.data).toEqual({
      orderStatusChanged: { orderId: other.payload.orderId, to: 'SHIPPED', order: { status: 'SHIPPED' } },
    });
  });

  it('should resolve a change once for every subscriber of a group, and hand them all the same result', async () => {
    const { hub, calls, publish } = createHub();
    const order = buildChange();
    const subscriptions = Array.from({ length: 50 }, () => subscribe(hub, WITH_ORDER, { id: order.payload.orderId }));
    const otherOrder = randomUUID();
    const elsewhere = subscribe(hub, WITH_ORDER, { id: otherOrder });
    publish(order);
    const results = await Promise.all(subscriptions.map(async (subscription) => (await take(subscription, 1))[0]));
    expect(calls).toHaveLength(1);
    expect(new Set(results).size).toBe(1);
    // The subscriber of another order got nothing of it: its first result is its own order's change.
    publish(buildChange({ orderId: otherOrder, to: 'SHIPPED' }));
    expect((await take(elsewhere, 1))[0]?.data).toEqual({
      mine: { to: 'SHIPPED', version: 3, order: { total: { amount: 1_250 } } },
    });
  });

  it("should send a customer only their own orders' changes, resolved as that customer", async () => {
    const { hub, calls, publish } = createHub();
    const customer: Identity = { userId: randomUUID(), role: 'CUSTOMER' };
    const own = subscribe(hub, WITH_ORDER, {}, customer);
    publish(buildChange());
    const mine = buildChange({ userId: customer.userId });
    publish(mine);
    const [result] = await take(own, 1);
    expect(result?.data).toEqual({ mine: { to: 'PAID', version: 3, order: { total: { amount: 1_250 } } } });
    expect(calls.map((call) => [call.viewer.identity, call.variables.__c0])).toEqual([[customer, mine.payload.orderId]]);
  });

  it('should resolve a selection of event fields from the event, without a query, as the client wrote it', async () => {
    const { hub, calls, publish, registry } = createHub();
    const subscription = subscribe(
      hub,
      /* GraphQL */ `
        subscription Watch($withReason: Boolean!) {
          change: orderStatusChanged {
            kind: __typename
            ...Status
            ... on OrderStatusChange {
              when: at
            }
            reason @include(if: $withReason)
          }
        }
        fragment Status on OrderStatusChange {
          id
          orderId
          from
          to
          version
        }
      `,
      { withReason: false },
    );
    const event = buildChange({ reason: 'Paid by card' });
    publish(event);
    const { changeId, orderId, at } = event.payload;
    expect(await take(subscription, 1)).toEqual([
      {
        data: {
          change: { kind: 'OrderStatusChange', id: changeId, orderId, from: 'CONFIRMED', to: 'PAID', version: 3, when: at },
        },
      },
    ]);
    expect(calls).toHaveLength(0);
    expect((await registry.getSingleMetric('subscription_event_resolutions_total')?.get())?.values[0]?.value).toBe(1);
  });

  it("should fetch only the order part, once per order, and build each change around it as the client's selection has it", async () => {
    const { hub, calls, publish, release, queried } = createHub({ gated: true });
    const subscription = subscribe(
      hub,
      /* GraphQL */ `
        subscription Watch($id: ID, $withReason: Boolean!) {
          change: orderStatusChanged(orderId: $id) {
            kind: __typename
            state: to
            reason @include(if: $withReason)
            ...Purchase
          }
        }
        fragment Purchase on OrderStatusChange {
          version
          bought: order {
            __typename
            status
            total {
              sum: amount
              currency
            }
          }
        }
      `,
      { withReason: true },
    );
    const first = buildChange();
    publish(first);
    await queried(1);
    const shipped = nextChange(first, 'SHIPPED');
    publish(shipped);
    publish(nextChange(shipped, 'DELIVERED'));
    release();
    await queried(2);
    release();

    const results = await take(subscription, 3);
    // Two changes of one order, one root field. Each change comes with its order as it is when
    // resolved (here, once all three had happened), as a query for the whole change has it.
    expect(calls[1]!.query).toMatch(/^query Watch\(\$__c0: ID!\) \{\s*c0: order\(id: \$__c0\)/);
    expect(calls[1]!.query).not.toMatch(/orderStatusChange|withReason/);
    expect(calls[1]!.variables).toEqual({ withReason: true, __c0: first.payload.orderId });
    const bought = (status: string) => ({ __typename: 'Order', status, total: { sum: 1_250, currency: 'USD' } });
    expect(results).toEqual([
      { data: { change: { kind: 'OrderStatusChange', state: 'PAID', reason: null, version: 3, bought: bought('DELIVERED') } } },
      {
        data: { change: { kind: 'OrderStatusChange', state: 'SHIPPED', reason: null, version: 4, bought: bought('DELIVERED') } },
      },
      {
        data: {
          change: { kind: 'OrderStatusChange', state: 'DELIVERED', reason: null, version: 5, bought: bought('DELIVERED') },
        },
      },
    ]);
  });

  it('should resolve the whole change through the supergraph when its order part cannot be fetched on its own', async () => {
    const { hub, calls, publish } = createHub();
    // Two response keys for the order: the change query keeps them apart.
    const subscription = subscribe(hub, `subscription { orderStatusChanged { to a: order { id } b: order { status } } }`);
    const change = buildChange();
    publish(change);
    const [result] = await take(subscription, 1);
    expect(calls[0]!.query).toMatch(/c0: orderStatusChange\(id: \$__c0\)/);
    expect(calls[0]!.variables).toEqual({ __c0: change.payload.changeId });
    const { orderId } = change.payload;
    expect(result).toEqual({ data: { orderStatusChanged: { to: 'PAID', a: { id: orderId }, b: { status: 'PAID' } } } });
  });

  it('should resolve smaller batches when a subgraph refuses a batch for its size, and keep that size', async () => {
    const { hub, calls, publish } = createHub({
      respond: (result, call) =>
        Object.keys(call.variables).length > 2
          ? { data: null, errors: [new GraphQLError('Too many aliases', { extensions: { code: 'TOO_MANY_ALIASES' } })] }
          : result,
    });
    const subscription = subscribe(hub, WITH_ORDER);
    const events = Array.from({ length: 4 }, () => buildChange());
    for (const event of events) publish(event);
    const results = await take(subscription, 4);
    expect(results.every((result) => !result.errors)).toBe(true);
    expect(calls.map((call) => Object.keys(call.variables).length)).toEqual([4, 2, 2]);

    for (const event of Array.from({ length: 4 }, () => buildChange())) publish(event);
    await take(subscription, 4);
    expect(calls.slice(3).map((call) => Object.keys(call.variables).length)).toEqual([2, 2]);
  });

  it('should deliver a query that failed as a coded error to each change of the batch', async () => {
    const broken = createSubscriptionHub(
      () => Promise.reject(new Error('connection reset')),
      createLogger('test', 'silent'),
      new Registry(),
      { warmPlans: false },
    );
    const subscription = subscribe(broken, WITH_ORDER);
    broken.publish(buildChange());
    broken.publish(buildChange());
    expect(asJson(await take(subscription, 2))).toEqual([
      { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
      { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
    ]);
  });

  it('should bring the subscription and group gauges back to zero once every subscriber has left', async () => {
    const { hub, gauge } = createHub();
    const orderId = randomUUID();
    const subscriptions = [
      subscribe(hub, WITH_ORDER, { id: orderId }),
      subscribe(hub, WITH_ORDER, { id: orderId }),
      subscribe(hub, WITH_ORDER),
      subscribe(hub, `subscription { orderStatusChanged { to } }`),
    ];
    expect([await gauge('subscriptions_active'), await gauge('subscription_groups_active')]).toEqual([4, 2]);
    await subscriptions[0]!.return!();
    expect([await gauge('subscriptions_active'), await gauge('subscription_groups_active')]).toEqual([3, 2]);
    await Promise.all(subscriptions.map((subscription) => subscription.return!()));
    expect([await gauge('subscriptions_active'), await gauge('subscription_groups_active')]).toEqual([0, 0]);
    expect([hub.subscriberCount, hub.groupCount]).toEqual([0, 0]);
  });

  it('should plan every batch size of a new operation ahead, once per operation, with a value no id can be', async () => {
    const { hub, calls, queried, publish, registry } = createHub({ warmPlans: true });
    const customer: Identity = { userId: randomUUID(), role: 'CUSTOMER' };
    const first = subscribe(hub, WITH_ORDER);
    subscribe(hub, WITH_ORDER, {}, customer);
    subscribe(hub, `subscription { orderStatusChanged { to } }`);
    await queried(5);
    const sizes = calls.map((call) => Object.keys(call.variables).length);
    expect(sizes).toEqual([1, 2, 4, 8, 16]);
    expect(new Set(calls.flatMap((call) => Object.values(call.variables)))).toEqual(new Set(['plan-warm-up']));
    const change = buildChange();
    publish(change);
    await take(first, 1);
    // Planned once, however many groups share the text; a selection of event fields runs no query.
    expect(calls.slice(5).map((call) => call.variables)).toEqual([{ __c0: change.payload.orderId }]);
    expect((await registry.getSingleMetric('subscription_resolutions_total')?.get())?.values[0]?.value).toBe(1);
    expect((await registry.getSingleMetric('subscription_plan_warmups_total')?.get())?.values[0]?.value).toBe(5);
  });

  it("should keep a batch's aliases within a subgraph's alias limit", () => {
    const query = (selection: string) => {
      const document = parse(`subscription { orderStatusChanged { ${selection} } }`);
      return toEventQuery(schema, document, getOperationAST(document)!, {});
    };
    expect(maxBatchSize(query('to'))).toBe(16);
    expect(maxBatchSize(query('a: to b: from'))).toBe(8);
    expect(maxBatchSize(query('a: to b: from c: version d: at e: reason f: id g: orderId h: order { id }'))).toBe(2);
    expect(maxBatchSize(query('kind: __typename to'))).toBe(16);
  });
});
