// `npm run db:seed`: replaces the data of the four databases with the demo data set.
// `npm run db:seed -- --if-empty`: seeds only when the user database has no users yet.
// Database URLs come from USER_DATABASE_URL, PRODUCT_DATABASE_URL, ORDER_DATABASE_URL and
// PAYMENT_DATABASE_URL (local defaults outside production); the databases must be migrated.
import { ConfigError } from '../shared/config';
import { seed, SeedError } from './seed/index';

const KNOWN_FLAGS = new Set(['--if-empty']);

const args = process.argv.slice(2);
const unknown = args.filter((arg) => !KNOWN_FLAGS.has(arg));
if (unknown.length) {
  console.error(`Unknown argument ${unknown.join(' ')}. Usage: npm run db:seed [-- --if-empty]`);
  process.exit(2);
}

seed({}, { ifEmpty: args.includes('--if-empty') }).then(
  (result) => {
    console.log(result.summary);
    // Nothing must keep the process alive once done (pools are closed, but be certain).
    process.exit(0);
  },
  (error: unknown) => {
    if (error instanceof SeedError) {
      const outcome = error.partial
        ? 'Some databases may already hold the new data: run the seed again.'
        : 'No database was changed.';
      console.error(`Seeding failed in ${error.message}\n${outcome}`);
    } else if (error instanceof ConfigError) {
      console.error(`Seeding failed: ${error.message}\nNo database was changed.`);
    } else {
      console.error('Seeding failed:', error);
    }
    process.exit(1);
  },
);
