// Tests about the servers themselves, with no embedded equivalent (see ./backends.ts): they run
// where the run has the server and are skipped where it has not.
import { TEST_POSTGRES, TEST_REDIS } from './backends';

/** `describe` for tests that need a Redis server. */
export const describeWithRedis = TEST_REDIS === 'server' ? describe : describe.skip;
/** `it` for tests that need a Redis server. */
export const itWithRedis = TEST_REDIS === 'server' ? it : it.skip;
/** `describe` for tests that need both servers. */
export const describeWithServers = TEST_POSTGRES === 'server' && TEST_REDIS === 'server' ? describe : describe.skip;
