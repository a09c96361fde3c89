// Query coalescing around the gateway's executor: which requests may share one execution.
import { parse } from 'graphql';
import { coalesceQueries } from '../../../gateway/coalesce-queries';
import { Viewer } from '../../../shared/auth/identity';

type Executor = Parameters<typeof coalesceQueries>[0];
type RequestContext = Parameters<Executor>[0];

const ALICE = new Viewer({ userId: 'alice', role: 'CUSTOMER' });
const BOB = new Viewer({ userId: 'bob', role: 'CUSTOMER' });

function request(source: string, viewer: Viewer, variables: Record<string, unknown> = {}): RequestContext {
  const document = parse(source);
  return {
    queryHash: source,
    operationName: null,
    request: { query: source, variables },
    operation: document.definitions[0],
    context: { viewer },
  } as unknown as RequestContext;
}

/** An executor whose executions finish when the test says, counting how many started. */
function controlledExecutor() {
  const pending: { finish: (data: unknown) => void; fail: (error: Error) => void }[] = [];
  const executor: Executor = () =>
    new Promise((resolve, reject) =>
      pending.push({ finish: (data) => resolve({ data: data as Record<string, unknown> }), fail: reject }),
    );
  return { executor, pending };
}

describe('coalesceQueries', () => {
  it('should run identical queries of one caller in flight together once, giving each the answer', async () => {
    const { executor, pending } = controlledExecutor();
    let joined = 0;
    const run = coalesceQueries(executor, { onJoined: () => (joined += 1) });
    const answers = Promise.all([1, 2, 3].map(() => run(request('{ me { name } }', ALICE))));
    expect(pending).toHaveLength(1);
    pending[0]!.finish({ me: { name: 'Alice' } });
    expect((await answers).map((answer) => answer.data)).toEqual([1, 2, 3].map(() => ({ me: { name: 'Alice' } })));
    expect(joined).toBe(2);
  });

  it('should never share an execution between two callers', async () => {
    const { executor, pending } = controlledExecutor();
    const run = coalesceQueries(executor, { onJoined: () => {} });
    const alice = run(request('{ me { name } }', ALICE));
    const bob = run(request('{ me { name } }', BOB));
    const anonymous = run(request('{ me { name } }', Viewer.anonymous));
    expect(pending).toHaveLength(3);
    pending.forEach((execution, index) => execution.finish({ me: { name: ['Alice', 'Bob', null][index] } }));
    expect((await alice).data).toEqual({ me: { name: 'Alice' } });
    expect((await bob).data).toEqual({ me: { name: 'Bob' } });
    expect((await anonymous).data).toEqual({ me: { name: null } });
  });

  it('should run queries with other variables, and every mutation, on their own', async () => {
    const { executor, pending } = controlledExecutor();
    const run = coalesceQueries(executor, { onJoined: () => {} });
    void run(request('query ($id: ID!) { order(id: $id) { id } }', ALICE, { id: '1' }));
    void run(request('query ($id: ID!) { order(id: $id) { id } }', ALICE, { id: '2' }));
    void run(request('mutation { cancelOrder(id: "1") { id } }', ALICE));
    void run(request('mutation { cancelOrder(id: "1") { id } }', ALICE));
    expect(pending).toHaveLength(4);
  });

  it('should not let a query join an execution that started before a mutation completed', async () => {
    const { executor, pending } = controlledExecutor();
    const run = coalesceQueries(executor, { onJoined: () => {} });
    const before = run(request('{ product(id: "p") { price { amount } } }', ALICE));
    const mutation = run(request('mutation { updateProduct(id: "p", input: {}) { id } }', BOB));
    pending[1]!.finish({ updateProduct: { id: 'p' } });
    await mutation;
    const after = run(request('{ product(id: "p") { price { amount } } }', ALICE));
    expect(pending).toHaveLength(3);
    pending[0]!.finish({ product: { price: { amount: 1 } } });
    pending[2]!.finish({ product: { price: { amount: 2 } } });
    expect((await before).data).toEqual({ product: { price: { amount: 1 } } });
    expect((await after).data).toEqual({ product: { price: { amount: 2 } } });
  });

  it('should give every joined query the failure of the shared execution, then start afresh', async () => {
    const { executor, pending } = controlledExecutor();
    const run = coalesceQueries(executor, { onJoined: () => {} });
    const first = run(request('{ me { name } }', ALICE));
    const second = run(request('{ me { name } }', ALICE));
    pending[0]!.fail(new Error('subgraph down'));
    await expect(first).rejects.toThrow('subgraph down');
    await expect(second).rejects.toThrow('subgraph down');
    void run(request('{ me { name } }', ALICE));
    expect(pending).toHaveLength(2);
  });
});
