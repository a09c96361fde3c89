/** What the outbox helpers need of any subgraph's Prisma client. */
interface RawQueries {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
}

/** The events a service wrote about one order, oldest first (each in the transaction of its cause). */
export function outboxEventsAbout(db: RawQueries, orderId: string): Promise<{ type: string; payload: unknown }[]> {
  return db.$queryRawUnsafe(`SELECT type, payload FROM outbox WHERE payload->>'orderId' = $1 ORDER BY id`, orderId);
}
