// Password hashing: scrypt from node:crypto (memory-hard, no native dependency), a random salt
// per password, and the parameters stored with the hash so they can be raised later without
// invalidating existing hashes. The async API runs scrypt on libuv's thread pool, so a login
// never blocks the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badUserInput } from '../../shared/errors';

const SCHEME = 'scrypt';
const PARAMETERS = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

export const MIN_PASSWORD_LENGTH = 10;
/** scrypt reads the whole input: a cap keeps one request from buying a long hash on purpose. */
export const MAX_PASSWORD_LENGTH = 128;

function derive(password: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFKC: the same password typed on another keyboard or OS (composed or decomposed accents) still matches.
    scrypt(password.normalize('NFKC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/**
 * `scrypt$N$r$p$salt$hash` (salt and hash base64). `salt` is for the seed only, whose demo
 * accounts must hash the same way on every run; everything else gets a random one.
 */
export async function hashPassword(password: string, salt: Buffer = randomBytes(SALT_LENGTH)): Promise<string> {
  const { N, r, p } = PARAMETERS;
  const key = await derive(password, salt, PARAMETERS, KEY_LENGTH);
  return [SCHEME, N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

interface ParsedHash {
  options: ScryptOptions;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const [scheme, N, r, p, salt, key, ...rest] = stored.split('$');
  if (scheme !== SCHEME || !N || !r || !p || !salt || !key || rest.length) return null;
  const options = { N: Number(N), r: Number(r), p: Number(p) };
  if (!Object.values(options).every((value) => Number.isInteger(value) && value > 0)) return null;
  return { options, salt: Buffer.from(salt, 'base64'), key: Buffer.from(key, 'base64') };
}

// What an unknown email (or an account without a password) is checked against, so that a login
// for it costs one scrypt like any other and its timing does not reveal which emails exist. The
// hash of a random password nobody kept: it matches nothing.
const DUMMY = parseHash(
  'scrypt$16384$8$1$6N/AXaOG0TG/f29NaA1WBQ==$hHDj4dhYjCQsnn5A2XhTOFSJQW2Rxb/8xjcKF11ADZikkdPmoJBZhQGjeLQs6Z9HWmH6UVAnpif4WidVm25Q7Q==',
)!;

/**
 * Whether `password` matches `stored`, compared in constant time. Without a usable stored hash it
 * still runs one scrypt, against the dummy, and answers false.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const real = stored ? parseHash(stored) : null;
  const { options, salt, key } = real ?? DUMMY;
  const candidate = await derive(password, salt, options, key.length);
  return timingSafeEqual(candidate, key) && real !== null;
}

/** The password rules, each failure a BAD_USER_INPUT on `password` that says the rule. */
export function requirePassword(password: string, email: string): string {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw badUserInput(`password must be at least ${MIN_PASSWORD_LENGTH} characters.`, 'password');
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw badUserInput(`password must be at most ${MAX_PASSWORD_LENGTH} characters.`, 'password');
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw badUserInput('password must not be the email address.', 'password');
  }
  return password;
}
