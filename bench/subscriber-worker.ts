// One share of the benchmark's subscribers, in a thread of its own: a real subscriber runs on its
// own device, so its arrival time must not wait behind the other 999 subscribers' messages.
import { parentPort, workerData } from 'node:worker_threads';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface Input {
  gatewayUrl: string;
  /** "Bearer <access token>", sent in connection_init. */
  authorization: string;
  query: string;
  watched: string[];
}

const { gatewayUrl, authorization, query, watched } = workerData as Input;
const clients: Client[] = [];
/** Latencies by the status each change moved to. */
const latencies: Record<string, number[]> = {};

// Arrivals are told to the driver in one message per turn of the event loop, not one per
// delivery: a message per delivery cost this thread (and the driver's) about as much as the
// delivery itself, which would be the benchmark measuring itself.
const arrivals = new Map<string, number>();
function arrived(to: string): void {
  if (!arrivals.size) setImmediate(flushArrivals);
  arrivals.set(to, (arrivals.get(to) ?? 0) + 1);
}
function flushArrivals(): void {
  parentPort?.postMessage({ type: 'arrived', counts: Object.fromEntries(arrivals) });
  arrivals.clear();
}

for (const orderId of watched) {
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
    retryAttempts: 0,
  });
  clients.push(client);
  client.subscribe(
    { query, variables: { id: orderId } },
    {
      next: (result) => {
        const change = (result.data as { orderStatusChanged?: { to: string; at: string } } | null)?.orderStatusChanged;
        if (!change) return;
        (latencies[change.to] ??= []).push(Date.now() - Date.parse(change.at));
        arrived(change.to);
      },
      error: (error) => parentPort?.postMessage({ type: 'error', message: String(JSON.stringify(error)) }),
      complete: () => {},
    },
  );
}

// Connected: the driver knows from the gateway's subscriptions_active when every subscription is
// registered. (A query per socket used to say it, which ran 1,000 operations through Apollo Server
// right before the measured window: the garbage they left was collected during it.)
void Promise.all(clients.map((client) => new Promise<void>((resolve) => client.on('connected', () => resolve())))).then(() =>
  parentPort?.postMessage({ type: 'ready' }),
);

parentPort?.on('message', (message: { type: string }) => {
  if (message.type !== 'finish') return;
  void Promise.all(clients.map(async (client) => client.dispose())).then(() =>
    parentPort?.postMessage({ type: 'latencies', latencies }),
  );
});
