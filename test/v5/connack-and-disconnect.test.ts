// CONNACK advertises exactly the configured capabilities, which are then enforced; server-sent DISCONNECT reasons;
// request/response information; problem information; assigned client identifier; server redirection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { AuthResult, Hook } from '../../src/index.js';
import { connectClient, endClient, startBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { expectDisconnect, rawSession, subackCodes } from '../helpers/raw-session.js';
import { publishPacket } from '../helpers/packets.js';

test('CONNACK with default capabilities: only receive maximum and topic alias maximum are sent', async () => {
  const tb = await startBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('caps-default');
    assert.equal(ack.reasonCode, 0);
    assert.deepEqual(ack.properties, { receiveMaximum: 1024, topicAliasMaximum: 1024 });
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('CONNACK advertises every non-default capability exactly [MQTT-3.2.2-9] [MQTT-3.2.2-21]', async () => {
  const tb = await startBroker({
    capabilities: {
      maximumQoS: 1,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      sharedSubscriptionAvailable: false,
      subscriptionIdentifierAvailable: false,
      topicAliasMaximum: 7,
      receiveMaximum: 9,
      maximumPacketSize: 1000,
      maximumKeepAlive: 30,
    },
  });
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('caps-all', { keepAlive: 60 });
    assert.deepEqual(ack.properties, {
      maximumQoS: 1,
      retainAvailable: 0,
      wildcardSubscriptionAvailable: 0,
      sharedSubscriptionAvailable: 0,
      subscriptionIdentifiersAvailable: 0,
      topicAliasMaximum: 7,
      receiveMaximum: 9,
      maximumPacketSize: 1000,
      serverKeepAlive: 30,
    });
    // The keep alive the client asked for is within the limit: no Server Keep Alive [MQTT-3.2.2-22].
    const d = await RawClient.connect(tb.port, 5);
    assert.equal((await d.handshake('caps-ka', { keepAlive: 20 })).properties.serverKeepAlive, undefined);
    c.destroy();
    d.destroy();
  } finally {
    await tb.close();
  }
});

test('maximumQoS 1: SUBSCRIBE QoS 2 is granted 1, a QoS 2 PUBLISH → DISCONNECT 0x9B [MQTT-3.2.2-10] [MQTT-3.2.2-11]', async () => {
  const tb = await startBroker({ capabilities: { maximumQoS: 1 } });
  try {
    const c = await rawSession(tb.port, 5, 'mq1');
    assert.deepEqual(await subackCodes(c, 1, [{ topic: 'q/t', qos: 2 }]), [1]);
    c.send(publishPacket('q/t', 'x', 2, 5));
    assert.equal(await expectDisconnect(c), 0x9b);
  } finally {
    await tb.close();
  }
});

test('wildcardSubscriptionAvailable false: wildcard filters → SUBACK 0xA2, plain filters accepted', async () => {
  const tb = await startBroker({ capabilities: { wildcardSubscriptionAvailable: false } });
  try {
    const c = await rawSession(tb.port, 5, 'wc-off');
    assert.deepEqual(await subackCodes(c, 1, ['a/+', 'a/#', 'a/b']), [0xa2, 0xa2, 2]);
    c.destroy();
  } finally {
    await tb.close();
  }
});

test('retainAvailable false: a retained PUBLISH → DISCONNECT 0x9A [MQTT-3.2.2-14]', async () => {
  const tb = await startBroker({ capabilities: { retainAvailable: false } });
  try {
    const c = await rawSession(tb.port, 5, 'ret-off');
    c.send(publishPacket('r/t', 'x', 0, 0, { retain: true }));
    assert.equal(await expectDisconnect(c), 0x9a);
    assert.deepEqual(tb.broker.retained(), []);
  } finally {
    await tb.close();
  }
});

test('Assigned Client Identifier for an empty client id [MQTT-3.2.2-16]', async () => {
  const tb = await startBroker();
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('');
    const id = ack.properties.assignedClientIdentifier;
    assert.ok(typeof id === 'string' && id.length > 0);
    assert.equal(tb.broker.client(id)?.connected, true);
    const d = await RawClient.connect(tb.port, 5);
    assert.notEqual((await d.handshake('')).properties.assignedClientIdentifier, id);
    const e = await RawClient.connect(tb.port, 5);
    assert.equal((await e.handshake('named')).properties.assignedClientIdentifier, undefined);
    for (const x of [c, d, e]) x.destroy();
  } finally {
    await tb.close();
  }
});

test('Request Response Information 1 → Response Information with the configured prefix; 0 → none [MQTT-3.1.2-28]', async () => {
  const tb = await startBroker({ responseInformationPrefix: 'replies/' });
  try {
    const c = await RawClient.connect(tb.port, 5);
    assert.equal((await c.handshake('rri-1', { properties: { requestResponseInformation: 1 } })).properties.responseInformation, 'replies/rri-1');
    const d = await RawClient.connect(tb.port, 5);
    assert.equal((await d.handshake('rri-0', { properties: { requestResponseInformation: 0 } })).properties.responseInformation, undefined);
    c.destroy();
    d.destroy();
  } finally {
    await tb.close();
  }
  const def = await startBroker();
  try {
    const c = await RawClient.connect(def.port, 5);
    assert.equal((await c.handshake('rri-def', { properties: { requestResponseInformation: 1 } })).properties.responseInformation, 'response/rri-def');
    c.destroy();
  } finally {
    await def.close();
  }
  const off = await startBroker({ responseInformationPrefix: '' });
  try {
    const c = await RawClient.connect(off.port, 5);
    assert.equal((await c.handshake('rri-off', { properties: { requestResponseInformation: 1 } })).properties.responseInformation, undefined);
    c.destroy();
  } finally {
    await off.close();
  }
});

/** A hook that refuses everyone with the given result. */
function refuseAll(result: AuthResult): Hook {
  return { id: 'refuse', authenticate: () => result };
}

test('Request Problem Information 0 → no Reason String on a refused CONNECT; 1 (default) → Reason String [MQTT-3.1.2-29]', async () => {
  const tb = await startBroker();
  await tb.broker.addHook(refuseAll({ decision: 'deny', reasonCode: 0x87, reasonString: 'not on the list' }));
  try {
    const c = await RawClient.connect(tb.port, 5);
    const ack = await c.handshake('rpi-1');
    assert.equal(ack.reasonCode, 0x87);
    assert.equal(ack.properties.reasonString, 'not on the list');
    const d = await RawClient.connect(tb.port, 5);
    const quiet = await d.handshake('rpi-0', { properties: { requestProblemInformation: 0 } });
    assert.equal(quiet.reasonCode, 0x87);
    assert.equal(quiet.properties.reasonString, undefined);
    await c.waitClosed();
    await d.waitClosed();
  } finally {
    await tb.close();
  }
});

for (const code of [0x9c, 0x9d]) {
  test(`server redirection: authenticate answers 0x${code.toString(16)} with a Server Reference → CONNACK carries both`, async () => {
    const tb = await startBroker();
    await tb.broker.addHook(refuseAll({ decision: 'deny', reasonCode: code, serverReference: 'other:1883' }));
    try {
      const c = await RawClient.connect(tb.port, 5);
      const ack = await c.handshake('redirect');
      assert.equal(ack.reasonCode, code);
      assert.equal(ack.sessionPresent, false);
      assert.equal(ack.properties.serverReference, 'other:1883');
      await c.waitClosed();
    } finally {
      await tb.close();
    }
  });
}

test('broker.close() sends DISCONNECT 0x8B to 5.0 clients; MQTT.js sees it', async () => {
  const tb = await startBroker();
  const c = await rawSession(tb.port, 5, 'close-raw');
  const m = await connectClient(tb.port, { protocolVersion: 5, clientId: 'close-mqttjs' });
  const seen = new Promise<number | undefined>((resolve) => m.once('disconnect', (p) => resolve(p.reasonCode)));
  await tb.close();
  assert.equal(await expectDisconnect(c), 0x8b);
  assert.equal(await seen, 0x8b);
  await endClient(m);
});

test('session takeover: the old connection gets DISCONNECT 0x8E [MQTT-3.1.4-3]', async () => {
  const tb = await startBroker();
  try {
    const first = await rawSession(tb.port, 5, 'tk');
    const second = await rawSession(tb.port, 5, 'tk');
    assert.equal(await expectDisconnect(first), 0x8e);
    assert.equal(tb.broker.client('tk')?.connected, true);
    second.destroy();
  } finally {
    await tb.close();
  }
});

test('broker.disconnectClient(): 0x98 by default, or the given reason; false for unknown clients', async () => {
  const tb = await startBroker();
  try {
    const a = await rawSession(tb.port, 5, 'adm-a');
    const b = await rawSession(tb.port, 5, 'adm-b');
    assert.equal(tb.broker.disconnectClient('adm-a'), true);
    assert.equal(await expectDisconnect(a), 0x98);
    assert.equal(tb.broker.disconnectClient('adm-b', 0x9c), true);
    assert.equal(await expectDisconnect(b), 0x9c);
    assert.equal(tb.broker.disconnectClient('nobody'), false);
  } finally {
    await tb.close();
  }
});

test('3.1.1 clients get no DISCONNECT packet on a server close', async () => {
  const tb = await startBroker();
  try {
    const c = await rawSession(tb.port, 4, 'adm-v4');
    tb.broker.disconnectClient('adm-v4');
    assert.equal(await c.next(), undefined);
  } finally {
    await tb.close();
  }
});

test('a server DISCONNECT never carries a Session Expiry Interval [MQTT-3.14.2-2]', async () => {
  const tb = await startBroker({ capabilities: { topicAliasMaximum: 2 } });
  try {
    const c = await rawSession(tb.port, 5, 'no-sei', { connect: { properties: { sessionExpiryInterval: 30 } } });
    c.send(publishPacket('x', 'y', 0, 0, { properties: { topicAlias: 3 } }));
    const p = await c.expect(PacketType.DISCONNECT);
    assert.equal(p.reasonCode, 0x94);
    assert.equal(p.properties.sessionExpiryInterval, undefined);
  } finally {
    await tb.close();
  }
});
