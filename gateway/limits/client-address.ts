import type http from 'node:http';

/**
 * The client's address as the rate limits see it. Each proxy in front of the gateway appends the
 * address it received the request from to X-Forwarded-For, so with `trustedProxies` proxies the
 * client is that many hops back from the socket's peer; anything further left is whatever the
 * client chose to send, and is ignored. With no trusted proxies the header is not read at all.
 * (Express's numeric `trust proxy` setting means the same; this serves WebSockets too.)
 */
export function clientAddress(request: http.IncomingMessage, trustedProxies: number): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  if (trustedProxies === 0) return peer;
  const forwarded = [request.headers['x-forwarded-for'] ?? '']
    .flat()
    .join(',')
    .split(',')
    .map((address) => address.trim())
    .filter(Boolean);
  const hops = [peer, ...forwarded.reverse()];
  return hops[Math.min(trustedProxies, hops.length - 1)]!;
}
