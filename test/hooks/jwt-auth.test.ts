// JwtAuth end to end: tokens signed in the test per algorithm family (HS, RS, PS, ES, EdDSA), a JWKS endpoint
// that rotates keys, exp / nbf / iss / aud, the ACL and user name claims, DISCONNECT 0xA0 when the token
// expires, and re-authentication through AUTH with a fresh token.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { AuthLedger, JwtAuth, PacketType, ReasonCode, hashPasswordSync } from '../../src/index.js';
import type { JwtAuthOptions } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { deadUrl, startEndpoint } from '../helpers/http-endpoint.js';
import { RawClient } from '../helpers/raw-client.js';
import { connackCode } from '../helpers/raw-session.js';

const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const o of opened.reverse()) await o.close();
});

const SECRET = 'a-long-enough-shared-secret-for-hs256-tokens!';
const now = (): number => Math.floor(Date.now() / 1000);

async function brokerWith(options: JwtAuthOptions): Promise<TestBroker> {
  const b = await startBroker({}, (broker) => {
    void broker.addHook(new JwtAuth(options));
    void broker.addHook(new AuthLedger({ ledger: { users: { plain: { password: hashPasswordSync('pw', { cost: 1024 }) } } } }));
  });
  opened.push(b);
  return b;
}

type SigningKey = Parameters<SignJWT['sign']>[0];

function sign(key: SigningKey, alg: string, claims: JWTPayload, kid?: string): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader(kid === undefined ? { alg } : { alg, kid });
  if (claims.exp === undefined) jwt.setExpirationTime(now() + 3600);
  return jwt.sign(key);
}

describe('JwtAuth per algorithm family', { concurrency: true }, () => {
  test('HS256 with a shared secret: valid allowed; wrong secret, expired, not yet valid, wrong iss / aud refused 0x86 (3.1.1: 4)', async () => {
    const key = new TextEncoder().encode(SECRET);
    const { port } = await brokerWith({ secret: SECRET, issuer: 'https://issuer/', audience: 'mqtt' });
    const good = { iss: 'https://issuer/', aud: 'mqtt', sub: 'dev1' };
    assert.equal(await connackCode(port, 5, 'hs-ok', { username: 'u', password: await sign(key, 'HS256', good) }), 0);
    assert.equal(await connackCode(port, 4, 'hs-ok4', { username: 'u', password: await sign(key, 'HS512', good) }), 0);
    const other = new TextEncoder().encode('another-secret-that-is-long-enough-for-hs');
    assert.equal(await connackCode(port, 5, 'hs-bad', { username: 'u', password: await sign(other, 'HS256', good) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 4, 'hs-bad4', { username: 'u', password: await sign(other, 'HS256', good) }), 4);
    assert.equal(await connackCode(port, 5, 'hs-exp', { username: 'u', password: await sign(key, 'HS256', { ...good, exp: now() - 10 }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 5, 'hs-nbf', { username: 'u', password: await sign(key, 'HS256', { ...good, nbf: now() + 600 }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 5, 'hs-iss', { username: 'u', password: await sign(key, 'HS256', { ...good, iss: 'https://evil/' }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    assert.equal(await connackCode(port, 5, 'hs-aud', { username: 'u', password: await sign(key, 'HS256', { ...good, aud: 'web' }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });

  test('RS256 and PS256 with a PEM public key', async () => {
    // node:crypto KeyObjects: one RSA key signs both RS256 and PS256 (a WebCrypto key is bound to one scheme).
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const { port } = await brokerWith({ publicKey: pem });
    assert.equal(await connackCode(port, 5, 'rs', { username: 'u', password: await sign(privateKey, 'RS256', { sub: 'a' }) }), 0);
    assert.equal(await connackCode(port, 5, 'ps', { username: 'u', password: await sign(privateKey, 'PS256', { sub: 'a' }) }), 0);
    const stranger = await generateKeyPair('RS256');
    assert.equal(await connackCode(port, 5, 'rs-bad', { username: 'u', password: await sign(stranger.privateKey, 'RS256', { sub: 'a' }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    // An HS token signed with the public key's bytes must not pass (algorithm confusion).
    const confusion = await sign(new TextEncoder().encode(pem), 'HS256', { sub: 'a' });
    assert.equal(await connackCode(port, 5, 'rs-hs', { username: 'u', password: confusion }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });

  test('ES256 and EdDSA from a JWKS endpoint', async () => {
    const es = await generateKeyPair('ES256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true, crv: 'Ed25519' });
    const jwks = await startEndpoint(async () => ({
      body: { keys: [{ ...(await exportJWK(es.publicKey)), kid: 'es', alg: 'ES256', use: 'sig' }, { ...(await exportJWK(ed.publicKey)), kid: 'ed', alg: 'EdDSA', use: 'sig' }] },
    }));
    opened.push(jwks);
    const { port } = await brokerWith({ jwksUrl: `${jwks.url}/.well-known/jwks.json` });
    assert.equal(await connackCode(port, 5, 'es', { username: 'u', password: await sign(es.privateKey, 'ES256', { sub: 'a' }, 'es') }), 0);
    assert.equal(await connackCode(port, 5, 'ed', { username: 'u', password: await sign(ed.privateKey, 'EdDSA', { sub: 'a' }, 'ed') }), 0);
    assert.equal(jwks.requests.length, 1, 'the key set is cached');
    assert.equal(jwks.requests[0]!.path, '/.well-known/jwks.json');
  });
});

describe('JwtAuth JWKS rotation and failures', { concurrency: true }, () => {
  test('a rotated key set is fetched again when a token names an unknown key id; retired keys stop working', async () => {
    const a = await generateKeyPair('RS256', { extractable: true });
    const b = await generateKeyPair('RS256', { extractable: true });
    let keys = [{ ...(await exportJWK(a.publicKey)), kid: 'key-a', alg: 'RS256' }];
    const jwks = await startEndpoint(() => ({ body: { keys } }));
    opened.push(jwks);
    const { port } = await brokerWith({ jwksUrl: jwks.url, jwksCooldownSeconds: 0 });
    assert.equal(await connackCode(port, 5, 'rot-a', { username: 'u', password: await sign(a.privateKey, 'RS256', { sub: 'x' }, 'key-a') }), 0);
    assert.equal(jwks.requests.length, 1);
    keys = [{ ...(await exportJWK(b.publicKey)), kid: 'key-b', alg: 'RS256' }];
    assert.equal(await connackCode(port, 5, 'rot-b', { username: 'u', password: await sign(b.privateKey, 'RS256', { sub: 'x' }, 'key-b') }), 0);
    assert.equal(jwks.requests.length, 2, 'the unknown kid made it fetch the rotated set');
    assert.equal(await connackCode(port, 5, 'rot-a2', { username: 'u', password: await sign(a.privateKey, 'RS256', { sub: 'x' }, 'key-a') }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });

  test('an unreachable or failing key set → 0x88 Server unavailable (3.1.1: 3)', async () => {
    const key = await generateKeyPair('ES256');
    const token = await sign(key.privateKey, 'ES256', { sub: 'x' }, 'k');
    const failing = await startEndpoint(() => ({ status: 500 }));
    opened.push(failing);
    for (const jwksUrl of [await deadUrl(), failing.url]) {
      const { port } = await brokerWith({ jwksUrl, timeoutMs: 500 });
      assert.equal(await connackCode(port, 5, 'down5', { username: 'u', password: token }), ReasonCode.SERVER_UNAVAILABLE, jwksUrl);
      assert.equal(await connackCode(port, 4, 'down4', { username: 'u', password: token }), 3, jwksUrl);
    }
  });

  test('algorithms narrows the accepted alg values; method renames the enhanced authentication method', async () => {
    const key = new TextEncoder().encode(SECRET);
    const { port } = await brokerWith({ secret: SECRET, algorithms: ['HS512'], method: 'ACME-TOKEN' });
    assert.equal(await connackCode(port, 5, 'alg-512', { username: 'u', password: await sign(key, 'HS512', { sub: 'x' }) }), 0);
    assert.equal(await connackCode(port, 5, 'alg-256', { username: 'u', password: await sign(key, 'HS256', { sub: 'x' }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    const c = await RawClient.connect(port, 5);
    const ack = await c.handshake('method', { properties: { authenticationMethod: 'ACME-TOKEN', authenticationData: Buffer.from(await sign(key, 'HS512', { sub: 'x' })) } });
    assert.equal(ack.reasonCode, 0);
    c.destroy();
    const other = await RawClient.connect(port, 5);
    const refused = await other.handshake('method2', { properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(await sign(key, 'HS512', { sub: 'x' })) } });
    assert.equal(refused.reasonCode, ReasonCode.BAD_AUTHENTICATION_METHOD);
    other.destroy();
  });

  test('re-authentication while the key set cannot be fetched ends with DISCONNECT 0x89 (DISCONNECT has no 0x88)', async () => {
    const first = await generateKeyPair('ES256', { extractable: true });
    const second = await generateKeyPair('ES256', { extractable: true });
    const jwks = await startEndpoint(async () => ({ body: { keys: [{ ...(await exportJWK(first.publicKey)), kid: 'one', alg: 'ES256' }] } }));
    const { port } = await brokerWith({ jwksUrl: jwks.url, jwksCooldownSeconds: 0, timeoutMs: 500 });
    const c = await RawClient.connect(port, 5);
    const token = await sign(first.privateKey, 'ES256', { sub: 'x' }, 'one');
    assert.equal((await c.handshake('jwks-down', { properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(token) } })).reasonCode, 0);
    await jwks.close();
    // A new key id makes the hook fetch the set again, which now fails.
    const rotated = await sign(second.privateKey, 'ES256', { sub: 'x' }, 'two');
    c.send({ type: PacketType.AUTH, reasonCode: ReasonCode.RE_AUTHENTICATE, properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(rotated) } });
    assert.equal((await c.expect(PacketType.DISCONNECT, 5000)).reasonCode, ReasonCode.SERVER_BUSY);
    await c.waitClosed();
  });

  test('a password that is not a JWT is left to the next hook (the ledger)', async () => {
    const { port } = await brokerWith({ secret: SECRET });
    assert.equal(await connackCode(port, 5, 'plain-ok', { username: 'plain', password: 'pw' }), 0);
    assert.equal(await connackCode(port, 5, 'plain-bad', { username: 'plain', password: 'nope' }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });
});

describe('JwtAuth claims and expiry', { concurrency: true }, () => {
  const key = new TextEncoder().encode(SECRET);

  test('usernameClaim names the user; aclClaim decides subscribe and publish with %u', async () => {
    const b = await brokerWith({ secret: SECRET, usernameClaim: 'sub', aclClaim: 'acl' });
    const token = await sign(key, 'HS256', { sub: 'dev7', acl: { pub: ['devices/%u/#'], sub: ['devices/%u/#', 'broadcast/#'] } });
    const c = await RawClient.connect(b.port, 5);
    assert.equal((await c.handshake('jwt-acl', { username: 'ignored', password: Buffer.from(token) })).reasonCode, 0);
    assert.equal(b.broker.client('jwt-acl')?.username, 'dev7');
    const sub = (topic: string) => ({ topic, qos: 1 as const, noLocal: false, retainAsPublished: false, retainHandling: 0 as const });
    c.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [sub('devices/dev7/#'), sub('broadcast/x'), sub('devices/dev8/#')], properties: {} });
    assert.deepEqual((await c.expect(PacketType.SUBACK)).reasonCodes, [1, 1, ReasonCode.NOT_AUTHORIZED]);
    c.send({ type: PacketType.PUBLISH, topic: 'broadcast/x', qos: 1, packetId: 5, dup: false, retain: false, payload: Buffer.from('z'), properties: {} });
    assert.equal((await c.expect(PacketType.PUBACK)).reasonCode, ReasonCode.NOT_AUTHORIZED);
    c.destroy();
    // A token without the claim's user is refused.
    assert.equal(await connackCode(b.port, 5, 'nosub', { username: 'u', password: await sign(key, 'HS256', { acl: {} }) }), ReasonCode.BAD_USER_NAME_OR_PASSWORD);
  });

  test('the token expires during the connection → DISCONNECT 0xA0 Maximum connect time (3.1.1: closed)', async () => {
    const { port } = await brokerWith({ secret: SECRET });
    const token = await sign(key, 'HS256', { sub: 'x', exp: now() + 2 });
    const c5 = await RawClient.connect(port, 5);
    const c4 = await RawClient.connect(port, 4);
    assert.equal((await c5.handshake('exp5', { username: 'u', password: Buffer.from(token) })).reasonCode, 0);
    assert.equal((await c4.handshake('exp4', { username: 'u', password: Buffer.from(token) })).reasonCode, 0);
    const disconnect = await c5.expect(PacketType.DISCONNECT, 5000);
    assert.equal(disconnect.reasonCode, ReasonCode.MAXIMUM_CONNECT_TIME);
    await c5.waitClosed();
    await c4.waitClosed(5000);
  });

  test('enhanced authentication with method JWT, and re-authentication through AUTH with a fresh token keeps the connection', async () => {
    const { port } = await brokerWith({ secret: SECRET });
    const c = await RawClient.connect(port, 5);
    const short = await sign(key, 'HS256', { sub: 'x', exp: now() + 2 });
    const ack = await c.handshake('reauth', { properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(short) } });
    assert.equal(ack.reasonCode, 0);
    assert.equal(ack.properties.authenticationMethod, 'JWT');
    const fresh = await sign(key, 'HS256', { sub: 'x', exp: now() + 3600 });
    c.send({ type: PacketType.AUTH, reasonCode: ReasonCode.RE_AUTHENTICATE, properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(fresh) } });
    assert.equal((await c.expect(PacketType.AUTH)).reasonCode, ReasonCode.SUCCESS);
    // Past the first token's expiry the connection is still usable.
    await new Promise((r) => setTimeout(r, 2500));
    c.send({ type: PacketType.PINGREQ });
    await c.expect(PacketType.PINGRESP);
    // A bad token in a re-authentication closes the connection [MQTT-4.12.1-2].
    c.send({ type: PacketType.AUTH, reasonCode: ReasonCode.RE_AUTHENTICATE, properties: { authenticationMethod: 'JWT', authenticationData: Buffer.from(await sign(key, 'HS256', { sub: 'x', exp: now() - 5 })) } });
    assert.equal((await c.expect(PacketType.DISCONNECT)).reasonCode, ReasonCode.NOT_AUTHORIZED);
    await c.waitClosed();
  });
});
