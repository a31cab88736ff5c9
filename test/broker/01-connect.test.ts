// CONNECT / CONNACK: identifiers, versions, keep alive, session present, takeover, timeouts.
// Glossary: "raw" = our byte-level client (exact packets); "MQTT.js" = the ecosystem client.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType, ReasonCode } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { startBroker, connectClient, endClient, delay } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { hex } from '../catalogue/hex.js';

describe('connect', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ capabilities: { connectTimeout: 300 } });
  });
  after(async () => {
    await tb.close();
  });

  for (const version of [3, 4, 5] as const) {
    test(`v${version}: CONNECT is answered by CONNACK success [MQTT-3.2.0-1]`, async () => {
      const c = await RawClient.connect(tb.port, version);
      const ack = await c.handshake(`c-${version}`);
      assert.equal(ack.reasonCode, 0);
      assert.equal(ack.sessionPresent, false);
      c.destroy();
    });
  }

  test('v5: empty client id gets an Assigned Client Identifier [MQTT-3.2.2-16]', async () => {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('');
    assert.equal(ack.reasonCode, 0);
    assert.match(ack.properties.assignedClientIdentifier ?? '', /^swiftlet-/);
    c.destroy();
  });

  test('v4: empty client id with clean session is accepted [MQTT-3.1.3-6]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    const ack = await c.handshake('', { clean: true });
    assert.equal(ack.reasonCode, 0);
    c.destroy();
  });

  test('v4: empty client id without clean session is refused with 0x02 [MQTT-3.1.3-8]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    const ack = await c.handshake('', { clean: false });
    assert.equal(ack.reasonCode, 2);
    await c.waitClosed(1000);
  });

  test('v3.1: empty client id is refused with 0x02', async () => {
    const c = await RawClient.connect(tb.port, 3);
    const ack = await c.handshake('', { clean: true });
    assert.equal(ack.reasonCode, 2);
    await c.waitClosed(1000);
  });

  test('unsupported protocol level gets CONNACK 0x01 and close [MQTT-3.1.2-2]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    // CONNECT, protocol name MQTT, level 6, clean, keep alive 60, client id "x"
    c.sendBytes(hex`10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 78`);
    const ack = await c.expect(PacketType.CONNACK);
    assert.equal(ack.reasonCode, 1);
    await c.waitClosed(1000);
  });

  test('first packet not CONNECT closes the connection [MQTT-3.1.0-1]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    c.sendBytes(hex`c0 00`); // PINGREQ
    await c.waitClosed(1000);
    assert.equal(c.received.length, 0);
  });

  test('v5: a second CONNECT is a protocol error: DISCONNECT 0x82 [MQTT-3.1.0-2]', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake('second-connect');
    c.send({ type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 60, clientId: 'second-connect', username: undefined, password: undefined, will: undefined, properties: {} });
    const d = await c.expect(PacketType.DISCONNECT);
    assert.equal(d.reasonCode, ReasonCode.PROTOCOL_ERROR);
    await c.waitClosed(1000);
  });

  test('v4: a second CONNECT closes the connection [MQTT-3.1.0-2]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    await c.handshake('second-connect-4');
    c.send({ type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 4, clean: true, keepAlive: 60, clientId: 'x', username: undefined, password: undefined, will: undefined, properties: {} });
    await c.waitClosed(1000);
  });

  test('a socket that never sends CONNECT is closed after the connect timeout', async () => {
    const c = await RawClient.connect(tb.port, 4);
    await c.waitClosed(2000);
  });

  test('keep alive: silence for 1.5x keep alive closes the connection [MQTT-3.1.2-24]', async () => {
    const c = await RawClient.connect(tb.port, 5);
    await c.handshake('keepalive-1', { keepAlive: 1 });
    const started = Date.now();
    const d = await c.expect(PacketType.DISCONNECT, 4000);
    assert.equal(d.reasonCode, ReasonCode.KEEP_ALIVE_TIMEOUT);
    assert.ok(Date.now() - started >= 1400, 'not closed before 1.5 x keep alive');
    await c.waitClosed(1000);
  });

  test('keep alive: PINGREQ keeps the connection open and gets PINGRESP [MQTT-3.12.4-1]', async () => {
    const c = await RawClient.connect(tb.port, 4);
    await c.handshake('keepalive-2', { keepAlive: 1 });
    for (let i = 0; i < 4; i++) {
      await delay(500);
      c.send({ type: PacketType.PINGREQ });
      await c.expect(PacketType.PINGRESP);
    }
    assert.equal(c.isClosed, false);
    c.destroy();
  });

  for (const version of [4, 5] as const) {
    test(`v${version}: session present after reconnecting without clean start [MQTT-3.2.2-3]`, async () => {
      const a = await RawClient.connect(tb.port, version);
      const props = version === 5 ? { sessionExpiryInterval: 60 } : {};
      // 3.1.1 keeps a session only with clean session 0; 5.0 with a session expiry interval.
      let ack = await a.handshake(`persist-${version}`, { clean: version === 5, properties: props });
      assert.equal(ack.sessionPresent, false);
      a.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: {} });
      await a.waitClosed();
      const b = await RawClient.connect(tb.port, version);
      ack = await b.handshake(`persist-${version}`, { clean: false, properties: props });
      assert.equal(ack.sessionPresent, true);
      b.destroy();
      const c = await RawClient.connect(tb.port, version);
      ack = await c.handshake(`persist-${version}`, { clean: true, properties: props });
      assert.equal(ack.sessionPresent, false, 'clean start discards the session [MQTT-3.1.2-4]');
      c.destroy();
    });

    test(`v${version}: a second connection with the same id takes over [MQTT-3.1.4-3]`, async () => {
      const a = await RawClient.connect(tb.port, version);
      await a.handshake(`takeover-${version}`);
      const b = await RawClient.connect(tb.port, version);
      const ack = await b.handshake(`takeover-${version}`);
      assert.equal(ack.reasonCode, 0);
      if (version === 5) {
        const d = await a.expect(PacketType.DISCONNECT);
        assert.equal(d.reasonCode, ReasonCode.SESSION_TAKEN_OVER);
      }
      await a.waitClosed(1500);
      // The new connection works.
      b.send({ type: PacketType.PINGREQ });
      await b.expect(PacketType.PINGRESP);
      b.destroy();
    });
  }

  test('MQTT.js v4 and v5 clients connect on the same listener', async () => {
    const c4 = await connectClient(tb.port, { protocolVersion: 4, clientId: 'mqttjs-4' });
    const c5 = await connectClient(tb.port, { protocolVersion: 5, clientId: 'mqttjs-5' });
    assert.ok(c4.connected && c5.connected);
    await endClient(c4);
    await endClient(c5);
  });
});

describe('connect limits', () => {
  test('maximum keep alive: v5 gets Server Keep Alive, v4 asking more is refused [MQTT-3.2.2-21]', async () => {
    const tb = await startBroker({ capabilities: { maximumKeepAlive: 30 } });
    try {
      const c5 = await RawClient.connect(tb.port, 5);
      const ack5 = await c5.handshake('ka5', { keepAlive: 120 });
      assert.equal(ack5.reasonCode, 0);
      assert.equal(ack5.properties.serverKeepAlive, 30);
      c5.destroy();
      const c4 = await RawClient.connect(tb.port, 4);
      const ack4 = await c4.handshake('ka4', { keepAlive: 120 });
      assert.equal(ack4.reasonCode, 2);
      await c4.waitClosed();
    } finally {
      await tb.close();
    }
  });

  test('minimum protocol version refuses older clients with 0x84 / 0x01', async () => {
    const tb = await startBroker({ capabilities: { minimumProtocolVersion: 5 } });
    try {
      const c4 = await RawClient.connect(tb.port, 4);
      const ack = await c4.handshake('old');
      assert.equal(ack.reasonCode, 1);
      await c4.waitClosed();
    } finally {
      await tb.close();
    }
  });
});
