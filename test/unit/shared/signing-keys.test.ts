// Access-token keys as configured: the formats an environment variable can hold, the names
// (kids) keys get, what the JWKS publishes, and what production refuses.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import {
  readAccessTokenSigningConfig,
  readAccessTokenVerificationConfig,
  type AccessTokenSigningConfig,
} from '../../../shared/auth/config';
import {
  DEVELOPMENT_ACCESS_TOKEN_KEY,
  jsonWebKeySet,
  jwkThumbprint,
  parseSigningKey,
  parseVerificationKeys,
} from '../../../shared/auth/signing-keys';
import { EnvReader } from '../../../shared/config';

function privateJwk(type: 'ed25519' | 'P-256' = 'ed25519') {
  const pair = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return pair.privateKey.export({ format: 'jwk' });
}

function signingConfig(env: Record<string, string>): { config: AccessTokenSigningConfig; problems: string[] } {
  const reader = new EnvReader(env);
  const config = readAccessTokenSigningConfig(reader);
  return { config, problems: reader.problems };
}

describe('signing keys', () => {
  it('should name a key by its RFC 7638 thumbprint (RFC 8037 example), or by the kid its JWK gives', () => {
    expect(jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    );
    const jwk = privateJwk();
    const key = parseSigningKey(JSON.stringify(jwk));
    expect(key.kid).toBe(jwkThumbprint(key.jwk));
    expect(parseSigningKey(JSON.stringify({ ...jwk, kid: '2026-05' })).kid).toBe('2026-05');
  });

  it('should read a PEM with real or escaped line breaks, and a JWK, to the same key', () => {
    const jwk = privateJwk('P-256');
    const pem = createPrivateKey({ key: jwk, format: 'jwk' }).export({ format: 'pem', type: 'pkcs8' }).toString();
    const escaped = pem.trim().replace(/\n/g, '\\n');
    const keys = [JSON.stringify(jwk), pem, escaped].map(parseSigningKey);
    expect(new Set(keys.map((key) => key.kid)).size).toBe(1);
    expect(keys.map((key) => key.alg)).toEqual(['ES256', 'ES256', 'ES256']);
  });

  it.each([
    ['garbage', 'not a key', /neither a JWK \(JSON\) nor a PEM key/],
    ['broken JSON', '{"kty": "OKP",', /not valid JSON/],
    ['a public key', JSON.stringify({ ...privateJwk(), d: undefined }), /not a private key/],
    ['an HMAC secret', JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }), /not a private key/],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      /must be an Ed25519 \(EdDSA\) or P-256 \(ES256\) key, not rsa/,
    ],
    [
      'a P-384 key',
      JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' })),
      /not ec secp384r1/,
    ],
    ['two keys', JSON.stringify([privateJwk(), privateJwk()]), /exactly one private key/],
    ['a JWK whose alg lies', JSON.stringify({ ...privateJwk(), alg: 'ES256' }), /"alg": "ES256", but is an EdDSA key/],
  ])('should refuse %s as a signing key', (_kind, text, message) => {
    expect(() => parseSigningKey(text)).toThrow(message);
  });

  it('should publish only public members, the signing key first, each key once', () => {
    const [current, previous] = [
      parseSigningKey(JSON.stringify(privateJwk())),
      parseSigningKey(JSON.stringify(privateJwk('P-256'))),
    ];
    const jwks = jsonWebKeySet([current, ...parseVerificationKeys(JSON.stringify({ keys: [previous.jwk, current.jwk] }))]);
    expect(jwks.keys.map((key) => key.kid)).toEqual([current.kid, previous.kid]);
    expect(jwks.keys.map((key) => Object.keys(key).sort())).toEqual([
      ['alg', 'crv', 'kid', 'kty', 'use', 'x'],
      ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y'],
    ]);
    // A private key given as a previous key is published as its public half only.
    const fromPrivate = jsonWebKeySet(parseVerificationKeys(JSON.stringify(privateJwk())));
    expect(JSON.stringify(fromPrivate)).not.toMatch(/"d"/);
  });

  it('should read public keys as PEM blocks one after another, and refuse what the gateway would not accept', () => {
    const keys = [privateJwk(), privateJwk('P-256')].map((jwk) => createPrivateKey({ key: jwk, format: 'jwk' }));
    const pems = keys.map((key) => key.export({ format: 'pem', type: 'pkcs8' }).toString()).join('\n');
    expect(parseVerificationKeys(pems).map((key) => key.alg)).toEqual(['EdDSA', 'ES256']);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(() => parseVerificationKeys(rsa)).toThrow(/key 1 must be an Ed25519 \(EdDSA\) or P-256 \(ES256\) key, not rsa/);
  });
});

describe('access token configuration', () => {
  it('should sign with the development key in development, and refuse it in production however it is written', () => {
    const development = signingConfig({ NODE_ENV: 'development' });
    expect(development.problems).toEqual([]);
    expect(development.config.signingKey.kid).toBe(parseSigningKey(DEVELOPMENT_ACCESS_TOKEN_KEY).kid);

    const asJwk = JSON.stringify({
      ...parseSigningKey(DEVELOPMENT_ACCESS_TOKEN_KEY).privateKey.export({ format: 'jwk' }),
      kid: 'disguised',
    });
    for (const text of [DEVELOPMENT_ACCESS_TOKEN_KEY, asJwk]) {
      expect(signingConfig({ NODE_ENV: 'production', ACCESS_TOKEN_SIGNING_KEY: text }).problems).toEqual([
        'ACCESS_TOKEN_SIGNING_KEY must not be the development key in production',
      ]);
    }
    expect(signingConfig({ NODE_ENV: 'production' }).problems).toEqual(['ACCESS_TOKEN_SIGNING_KEY is required']);
    const previous = signingConfig({
      NODE_ENV: 'production',
      ACCESS_TOKEN_SIGNING_KEY: JSON.stringify(privateJwk()),
      ACCESS_TOKEN_PREVIOUS_KEYS: DEVELOPMENT_ACCESS_TOKEN_KEY,
    });
    expect(previous.problems).toEqual(['ACCESS_TOKEN_PREVIOUS_KEYS must not hold the development key in production']);
  });

  it('should take a production key and the previous public keys of a rollover', () => {
    const [current, previous] = [privateJwk(), privateJwk('P-256')];
    const previousPublic = { ...previous, d: undefined };
    const { config, problems } = signingConfig({
      NODE_ENV: 'production',
      ACCESS_TOKEN_SIGNING_KEY: JSON.stringify(current),
      ACCESS_TOKEN_PREVIOUS_KEYS: JSON.stringify({ keys: [previousPublic] }),
      ACCESS_TOKEN_TTL_SECONDS: '300',
    });
    expect(problems).toEqual([]);
    expect(config.signingKey.alg).toBe('EdDSA');
    expect(config.previousKeys.map((key) => key.alg)).toEqual(['ES256']);
    expect(config.ttlSeconds).toBe(300);
  });

  it('should name a malformed key in the problems, without its value', () => {
    const secret = 'not-a-key-but-maybe-a-secret';
    const { problems } = signingConfig({
      NODE_ENV: 'production',
      ACCESS_TOKEN_SIGNING_KEY: secret,
      ACCESS_TOKEN_PREVIOUS_KEYS: '[1]',
    });
    expect(problems).toEqual([
      'ACCESS_TOKEN_SIGNING_KEY is neither a JWK (JSON) nor a PEM key',
      'ACCESS_TOKEN_PREVIOUS_KEYS has a member that is not a JWK',
    ]);
    expect(problems.join()).not.toContain(secret);
  });

  it("should find the JWKS beside the user subgraph's GraphQL endpoint unless told where", () => {
    const read = (env: Record<string, string>) => {
      const reader = new EnvReader(env);
      return { url: readAccessTokenVerificationConfig(reader, 'http://user:4001/graphql').jwksUrl, problems: reader.problems };
    };
    expect(read({})).toEqual({ url: 'http://user:4001/.well-known/jwks.json', problems: [] });
    expect(read({ ACCESS_TOKEN_JWKS_URL: 'https://auth.example/keys' })).toEqual({
      url: 'https://auth.example/keys',
      problems: [],
    });
    expect(read({ ACCESS_TOKEN_JWKS_URL: 'file:///etc/keys.json' }).problems).toEqual([
      'ACCESS_TOKEN_JWKS_URL must be an http or https URL',
    ]);
  });
});
