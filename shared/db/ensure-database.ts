import pg from 'pg';
import { isEmbeddedUrl, prepareEmbedded } from './embedded';

/**
 * Creates the database a URL names if it does not exist yet (a fresh PostgreSQL server has none of
 * ours). Connects to the server's `postgres` maintenance database with the same credentials. An
 * embedded database gets its data directory.
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  if (isEmbeddedUrl(databaseUrl)) return prepareEmbedded(databaseUrl);
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return false;
    const identifier = client.escapeIdentifier(database);
    try {
      await client.query(`CREATE DATABASE ${identifier}`);
    } catch (error) {
      // Another process created it between our check and our CREATE.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}
