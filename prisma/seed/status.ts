// Whether a database was seeded, asked without loading the seed itself (its data generator is
// large): the dev launcher asks on every start and seeds only the first time.
import { openSession } from '../../shared/db/session';

/** How many users the user database at `url` has. */
export async function countUsers(url: string): Promise<number> {
  const session = await openSession(url);
  try {
    const [row] = await session.query<{ count: number }>('SELECT count(*)::int AS count FROM users');
    return row?.count ?? 0;
  } finally {
    await session.close();
  }
}

export function skippedSummary(existingUsers: number): string {
  return `Seed skipped: the user database already has ${existingUsers} users (npm run db:seed replaces the data).`;
}
