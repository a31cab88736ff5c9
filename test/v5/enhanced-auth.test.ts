// Enhanced authentication over the wire with the ScramSha256 hook: CONNECT/AUTH/CONNACK and re-authentication.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthLedger, PacketType, ScramSha256, createScramCredentials } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import type { ConnackPacket } from '../../src/index.js';
import { ScramClient } from '../helpers/scram-client.js';
import { RawClient } from '../helpers/raw-client.js';
import { connectPacket } from '../helpers/packets.js';
import { expectDisconnect, pingRoundTrip } from '../helpers/raw-session.js';

const METHOD = 'SCRAM-SHA-256';
const ledger = new AuthLedger({ ledger: { users: { alice: { scram: createScramCredentials('pencil', 4096) } } } });

async function scramBroker(): Promise<TestBroker> {
  const tb = await startBroker();
  await tb.broker.addHook(new ScramSha256({ credentials: ledger }));
  return tb;
}

/** CONNECT with client-first, answers the server's AUTH 0x18 with client-final; returns the CONNACK. */
async function scramConnect(c: RawClient, clientId: string, scram: ScramClient): Promise<ConnackPacket> {
  c.send(connectPacket(clientId, 5, { properties: { authenticationMethod: METHOD, authenticationData: scram.first() } }));
  const challenge = await c.expect(PacketType.AUTH);
  assert.equal(challenge.reasonCode, 0x18); // [MQTT-4.12.0-2]
  assert.equal(challenge.properties.authenticationMethod, METHOD); // [MQTT-4.12.0-5]
  c.send({ type: PacketType.AUTH, reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: scram.final(challenge.properties.authenticationData!) } }); // [MQTT-4.12.0-3]
  return c.expect(PacketType.CONNACK);
}

test('CONNECT → AUTH 0x18 → AUTH 0x18 → CONNACK 0x00 with the Authentication Method and server signature [MQTT-4.12.0-2] [MQTT-4.12.0-5]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    const scram = new ScramClient('alice', 'pencil');
    const ack = await scramConnect(c, 'scram-ok', scram);
    assert.equal(ack.reasonCode, 0);
    assert.equal(ack.properties.authenticationMethod, METHOD);
    assert.equal(scram.verifyServer(ack.properties.authenticationData), true);
    assert.equal(tb.broker.client('scram-ok')?.username, 'alice');
    await pingRoundTrip(c);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('wrong password → CONNACK 0x87 and the connection closes [MQTT-4.12.0-4]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await scramConnect(c, 'scram-bad', new ScramClient('alice', 'wrong'));
    assert.equal(ack.reasonCode, 0x87);
    await c.waitClosed();
    assert.equal(tb.broker.client('scram-bad'), undefined);
  } finally {
    await tb.close();
  }
});

test('re-authentication: AUTH 0x19 → AUTH 0x18 → AUTH 0x18 → AUTH 0x00 [MQTT-4.12.1-1]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    assert.equal((await scramConnect(c, 'scram-re', new ScramClient('alice', 'pencil'))).reasonCode, 0);
    const again = new ScramClient('alice', 'pencil');
    c.send({ type: PacketType.AUTH, reasonCode: 0x19, properties: { authenticationMethod: METHOD, authenticationData: again.first() } });
    const challenge = await c.expect(PacketType.AUTH);
    assert.equal(challenge.reasonCode, 0x18);
    c.send({ type: PacketType.AUTH, reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: again.final(challenge.properties.authenticationData!) } });
    const done = await c.expect(PacketType.AUTH);
    assert.equal(done.reasonCode, 0x00);
    assert.equal(done.properties.authenticationMethod, METHOD);
    assert.equal(again.verifyServer(done.properties.authenticationData), true);
    await pingRoundTrip(c);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('failed re-authentication → DISCONNECT 0x87 [MQTT-4.12.1-2]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    assert.equal((await scramConnect(c, 'scram-re-bad', new ScramClient('alice', 'pencil'))).reasonCode, 0);
    const bad = new ScramClient('alice', 'nope');
    c.send({ type: PacketType.AUTH, reasonCode: 0x19, properties: { authenticationMethod: METHOD, authenticationData: bad.first() } });
    const challenge = await c.expect(PacketType.AUTH);
    c.send({ type: PacketType.AUTH, reasonCode: 0x18, properties: { authenticationMethod: METHOD, authenticationData: bad.final(challenge.properties.authenticationData!) } });
    assert.equal(await expectDisconnect(c), 0x87);
  } finally {
    await tb.close();
  }
});

test('AUTH with another method than the CONNECT\'s → DISCONNECT 0x82 [MQTT-4.12.0-5]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    assert.equal((await scramConnect(c, 'scram-other', new ScramClient('alice', 'pencil'))).reasonCode, 0);
    c.send({ type: PacketType.AUTH, reasonCode: 0x19, properties: { authenticationMethod: 'PLAIN' } });
    assert.equal(await expectDisconnect(c), 0x82);
  } finally {
    await tb.close();
  }
});

test('a CONNECT with an authentication method no hook handles → CONNACK 0x8C [MQTT-4.12.0-1]', async () => {
  for (const withHook of [true, false]) {
    const tb = withHook ? await scramBroker() : await startBroker();
    try {
      const c = await RawClient.connect(tb.port, 5);
      const ack = await c.handshake(`krb-${withHook}`, { properties: { authenticationMethod: 'KERBEROS', authenticationData: Buffer.from('ticket') } });
      assert.equal(ack.reasonCode, 0x8c);
      await c.waitClosed();
    } finally {
      await tb.close();
    }
  }
});

test('without an Authentication Method no AUTH is sent and the CONNACK has none [MQTT-4.12.0-6]', async () => {
  const tb = await scramBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('plain');
    assert.equal(ack.reasonCode, 0);
    assert.equal(ack.properties.authenticationMethod, undefined);
    c.destroy();
  } finally {
    await tb.close();
  }
});
