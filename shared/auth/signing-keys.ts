// The keys of access tokens. The user subgraph signs with one private key (Ed25519, "EdDSA", or
// P-256, "ES256") and publishes the public half of it, and of the keys it signed with before, as
// a JSON Web Key Set; the gateway verifies with those public keys only, so nothing but the user
// subgraph can make an access token. Each key is named by its `kid`: the one its JWK gives, or
// else its RFC 7638 thumbprint, so a key is named the same wherever it is configured.
import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';

export const ACCESS_TOKEN_ALGORITHMS = ['EdDSA', 'ES256'] as const;
export type AccessTokenAlgorithm = (typeof ACCESS_TOKEN_ALGORITHMS)[number];

/** A public key as published in the JWKS: what a verifier needs, no private member. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: string;
  x: string;
  y?: string;
  kid: string;
  alg: AccessTokenAlgorithm;
  use: 'sig';
}

export interface VerificationKey {
  kid: string;
  alg: AccessTokenAlgorithm;
  jwk: PublicJwk;
}

export interface SigningKey extends VerificationKey {
  /** Imported once, at start-up: signing then costs only the signature. */
  privateKey: KeyObject;
}

/** The document served at JWKS_PATH. */
export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/** Where the user subgraph serves its public keys (RFC 8414's well-known name). */
export const JWKS_PATH = '/.well-known/jwks.json';

// DEVELOPMENT ONLY. Derived from a published seed, so anyone can sign tokens with it: development
// and tests work out of the box, and a production service refuses to start with it (or with its
// public half among the previous keys), however it is written.
const DEVELOPMENT_SEED = createHash('sha256').update('federation-shop: development-only access token key').digest();
// The DER of an Ed25519 private key (RFC 8410) is this prefix and the 32-byte seed.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
export const DEVELOPMENT_ACCESS_TOKEN_KEY = createPrivateKey({
  key: Buffer.concat([ED25519_PKCS8_PREFIX, DEVELOPMENT_SEED]),
  format: 'der',
  type: 'pkcs8',
})
  .export({ format: 'pem', type: 'pkcs8' })
  .toString();
const DEVELOPMENT_THUMBPRINT = parseSigningKey(DEVELOPMENT_ACCESS_TOKEN_KEY).kid;

/** Whether `key` is the development key (or its public half), whatever `kid` it was given. */
export function isDevelopmentKey(key: VerificationKey): boolean {
  return jwkThumbprint(key.jwk) === DEVELOPMENT_THUMBPRINT;
}

/**
 * The signing key in `text`: a private JWK (JSON, one line: what an env file holds) or a PKCS#8
 * PEM, whose line breaks may be written as `\n`. Throws, saying why, for anything else.
 */
export function parseSigningKey(text: string): SigningKey {
  const [source, ...others] = keySources(text);
  if (!source || others.length) throw new Error('must hold exactly one private key');
  let privateKey: KeyObject;
  try {
    privateKey = source.jwk ? createPrivateKey({ key: source.jwk, format: 'jwk' }) : createPrivateKey(source.pem);
  } catch {
    throw new Error('is not a private key (a private JWK, or a PKCS#8 PEM: "-----BEGIN PRIVATE KEY-----")');
  }
  return { ...describe(createPublicKey(privateKey), source.jwk), privateKey };
}

/**
 * The public keys in `text`: a JWK, an array of JWKs, a JWK Set (`{"keys": [...]}`), or PEM
 * blocks one after another. Private keys are accepted and reduced to their public half.
 */
export function parseVerificationKeys(text: string): VerificationKey[] {
  return keySources(text).map((source, index) => {
    let publicKey: KeyObject;
    try {
      publicKey = source.jwk ? createPublicKey({ key: source.jwk, format: 'jwk' }) : createPublicKey(source.pem);
    } catch {
      throw new Error(`key ${index + 1} is not a public key (a JWK, or a PEM: "-----BEGIN PUBLIC KEY-----")`);
    }
    try {
      return describe(publicKey, source.jwk);
    } catch (error) {
      throw new Error(`key ${index + 1} ${(error as Error).message}`, { cause: error });
    }
  });
}

/** The JWKS publishing `keys` (the signing key first), each once. */
export function jsonWebKeySet(keys: readonly VerificationKey[]): JsonWebKeySet {
  const seen = new Set<string>();
  return { keys: keys.filter((key) => !seen.has(key.kid) && seen.add(key.kid)).map((key) => key.jwk) };
}

/** RFC 7638: the SHA-256 of the key's required members, in this order, as base64url. */
export function jwkThumbprint(jwk: Pick<PublicJwk, 'kty' | 'crv' | 'x' | 'y'>): string {
  const { crv, kty, x, y } = jwk;
  const members = kty === 'EC' ? { crv, kty, x, y } : { crv, kty, x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

interface KeySource {
  jwk?: JsonWebKey;
  pem: string;
}

function keySources(text: string): KeySource[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new Error('is not valid JSON');
    }
    const list = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.keys) ? parsed.keys : [parsed];
    return list.map((jwk: unknown) => {
      if (!isObject(jwk) || typeof jwk.kty !== 'string') throw new Error('has a member that is not a JWK');
      return { jwk, pem: '' };
    });
  }
  const pems = trimmed.replace(/\\n/g, '\n').match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g);
  if (!pems) throw new Error('is neither a JWK (JSON) nor a PEM key');
  return pems.map((pem) => ({ pem }));
}

/** The algorithm and published form of a public key; throws for a type we do not sign with. */
function describe(publicKey: KeyObject, given: JsonWebKey | undefined): VerificationKey {
  const alg = algorithmOf(publicKey);
  if (given?.alg !== undefined && given.alg !== alg)
    throw new Error(`has "alg": ${JSON.stringify(given.alg)}, but is an ${alg} key`);
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as Pick<PublicJwk, 'kty' | 'crv' | 'x' | 'y'>;
  const kid = typeof given?.kid === 'string' && given.kid ? given.kid : jwkThumbprint({ kty, crv, x, y });
  const jwk: PublicJwk = { kty, crv, x, ...(y !== undefined && { y }), kid, alg, use: 'sig' };
  return { kid, alg, jwk };
}

function algorithmOf(key: KeyObject): AccessTokenAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new Error(`must be an Ed25519 (EdDSA) or P-256 (ES256) key, not ${key.asymmetricKeyType}${curve ? ` ${curve}` : ''}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
