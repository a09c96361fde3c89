// A TCP proxy a test puts in front of a real server (Redis, a subgraph) to make it fail on
// demand: cut (every connection dropped, new ones refused, as an outage) or stall (connections
// accepted but nothing forwarded either way, as a server that hangs), then restore.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  port: number;
  /** Drops every connection and every new one from now on, as an outage would. */
  cut(): void;
  /** Forwards nothing from now on, on open and new connections, until restore(). */
  stall(): void;
  /** Lets connections through again (what a stall held back is then delivered). */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let mode: 'open' | 'cut' | 'stalled' = 'open';
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A cut connection errors on both sides; that is the point.
    socket.on('error', () => {});
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    // After pipe(), which sets both flowing.
    if (mode === 'stalled') for (const socket of [client, upstream]) socket.pause();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const cut = () => {
    mode = 'cut';
    for (const socket of sockets) socket.destroy();
  };
  return {
    port: (server.address() as AddressInfo).port,
    cut,
    stall: () => {
      mode = 'stalled';
      for (const socket of sockets) socket.pause();
    },
    restore: () => {
      mode = 'open';
      for (const socket of sockets) socket.resume();
    },
    close: () => {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
