// Given a string secret, jsonwebtoken first tries to parse it as a PEM key (createPublicKey /
// createPrivateKey) and only once that throws treats it as an HMAC secret: measured at about a
// fifth of the gateway's CPU under load, on every token signed or verified. One KeyObject per
// secret, made once, skips that.
import { createSecretKey, type KeyObject } from 'node:crypto';

const keys = new Map<string, KeyObject>();

/** The HMAC key for `secret` (one per distinct secret: the configured ones). */
export function hmacKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(secret, 'utf8'));
    keys.set(secret, key);
  }
  return key;
}
