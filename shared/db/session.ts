// One dedicated database session, for work that needs session state of its own: LISTEN for
// notifications and session-level advisory locks (the outbox relay's leader election). On a
// server that is its own connection; an embedded database has a single session, shared, which
// is enough there: only one process can open it.
import pg from 'pg';
import { acquireEmbedded, isEmbeddedUrl } from './embedded';

export interface DatabaseSession {
  query<Row>(sql: string, params?: unknown[]): Promise<Row[]>;
  /**
   * Takes the session-level lock `key` if no other session holds it (kept until the session
   * ends): pg_try_advisory_lock on a server. The one session of an embedded database would get
   * every such lock, so there the sessions of this process take turns in a lock table of its own.
   */
  tryLock(key: number): Promise<boolean>;
  /** Calls `onNotification` for every NOTIFY on `channel`. */
  listen(channel: string, onNotification: () => void): Promise<void>;
  /** The session broke (a server restart, a network failure): open a new one. */
  onLost(callback: (error: Error) => void): void;
  close(): Promise<void>;
}

export async function openSession(url: string): Promise<DatabaseSession> {
  return isEmbeddedUrl(url) ? embeddedSession(url) : serverSession(url);
}

async function serverSession(url: string): Promise<DatabaseSession> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as Row[],
    tryLock: async (key) => {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key]);
      return rows[0]?.locked === true;
    },
    listen: async (channel, onNotification) => {
      client.on('notification', (message) => {
        if (message.channel === channel) onNotification();
      });
      await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
    },
    onLost: (callback) => client.on('error', callback),
    close: () => client.end().catch(() => undefined),
  };
}

/** Who holds each lock of each embedded database of this process: "<directory>#<key>" → session. */
const embeddedLocks = new Map<string, DatabaseSession>();

async function embeddedSession(url: string): Promise<DatabaseSession> {
  const handle = acquireEmbedded(url);
  const unlisteners: (() => Promise<void>)[] = [];
  const held: string[] = [];
  const session: DatabaseSession = {
    query: async <Row>(sql: string, params?: unknown[]) => (await handle.pglite.query<Row>(sql, params)).rows,
    tryLock: async (key) => {
      const lock = `${url}#${key}`;
      const holder = embeddedLocks.get(lock);
      if (holder && holder !== session) return false;
      embeddedLocks.set(lock, session);
      held.push(lock);
      return true;
    },
    listen: async (channel, onNotification) => {
      unlisteners.push(await handle.pglite.listen(channel, () => onNotification()));
    },
    // In-process: nothing can break between us and it.
    onLost: () => {},
    close: async () => {
      for (const lock of held.splice(0)) embeddedLocks.delete(lock);
      for (const unlisten of unlisteners.splice(0)) await unlisten();
      await handle.release();
    },
  };
  return session;
}
