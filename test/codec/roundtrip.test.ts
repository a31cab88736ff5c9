// Round trips: every packet type encodes and decodes back to itself for versions 3, 4 and 5.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePacket } from '../../src/codec/decode.js';
import { encodePacket, encodedLength } from '../../src/codec/encode.js';
import { EMPTY_PROPERTIES, PacketType } from '../../src/codec/types.js';
import type { Packet, Properties, ProtocolVersion } from '../../src/codec/types.js';
import { parseChunks } from './helpers.js';

const versions: ProtocolVersion[] = [3, 4, 5];

function propsFor(version: ProtocolVersion, props: Properties): Properties {
  return version === 5 ? props : EMPTY_PROPERTIES;
}

function samples(v: ProtocolVersion): Packet[] {
  const five = v === 5;
  return [
    {
      type: PacketType.CONNECT,
      protocolName: v === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: v,
      clean: true,
      keepAlive: 60,
      clientId: 'client-1',
      username: 'user',
      password: Buffer.from('secret'),
      will: {
        topic: 'last/will',
        payload: Buffer.from('gone'),
        qos: 1,
        retain: true,
        properties: propsFor(v, {
          willDelayInterval: 10,
          payloadFormatIndicator: 1,
          messageExpiryInterval: 3600,
          contentType: 'text/plain',
          responseTopic: 'resp/t',
          correlationData: Buffer.from([1, 2, 3]),
          userProperties: [['a', '1'], ['a', '2']],
        }),
      },
      properties: propsFor(v, {
        sessionExpiryInterval: 300,
        receiveMaximum: 20,
        maximumPacketSize: 65536,
        topicAliasMaximum: 10,
        requestResponseInformation: 1,
        requestProblemInformation: 0,
        userProperties: [['k', 'v']],
        authenticationMethod: 'SCRAM',
        authenticationData: Buffer.from('abc'),
      }),
    },
    {
      type: PacketType.CONNECT,
      protocolName: v === 3 ? 'MQIsdp' : 'MQTT',
      protocolVersion: v,
      clean: false,
      keepAlive: 0,
      clientId: '',
      username: undefined,
      password: undefined,
      will: undefined,
      properties: EMPTY_PROPERTIES,
    },
    {
      type: PacketType.CONNACK,
      sessionPresent: v !== 3, // 3.1 has no Session Present: its CONNACK byte 1 is always 0
      reasonCode: 0,
      properties: propsFor(v, {
        sessionExpiryInterval: 10,
        assignedClientIdentifier: 'auto-1',
        serverKeepAlive: 30,
        receiveMaximum: 100,
        topicAliasMaximum: 5,
        maximumQoS: 1,
        retainAvailable: 1,
        maximumPacketSize: 1024,
        wildcardSubscriptionAvailable: 0,
        subscriptionIdentifiersAvailable: 1,
        sharedSubscriptionAvailable: 1,
        responseInformation: 'info',
        serverReference: 'other:1883',
        reasonString: 'welcome',
        authenticationMethod: 'SCRAM',
        authenticationData: Buffer.from('x'),
        userProperties: [['s', 't']],
      }),
    },
    { type: PacketType.CONNACK, sessionPresent: false, reasonCode: five ? 0x87 : 5, properties: EMPTY_PROPERTIES },
    { type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 'a/b', packetId: 0, payload: Buffer.from('hello'), properties: EMPTY_PROPERTIES },
    {
      type: PacketType.PUBLISH,
      dup: true,
      qos: 2,
      retain: true,
      topic: 'sensors/ünïcode/温度',
      packetId: 65535,
      payload: Buffer.alloc(300, 7),
      properties: propsFor(v, {
        payloadFormatIndicator: 0,
        messageExpiryInterval: 60,
        topicAlias: 3,
        responseTopic: 'reply/here',
        correlationData: Buffer.from('corr'),
        userProperties: [['x', 'y'], ['x', 'y']],
        subscriptionIdentifiers: [1, 268435455],
        contentType: 'application/json',
      }),
    },
    { type: PacketType.PUBACK, packetId: 1, reasonCode: 0, properties: EMPTY_PROPERTIES },
    { type: PacketType.PUBREC, packetId: 2, reasonCode: five ? 0x10 : 0, properties: EMPTY_PROPERTIES },
    { type: PacketType.PUBREL, packetId: 3, reasonCode: five ? 0x92 : 0, properties: propsFor(v, { reasonString: 'nope', userProperties: [['u', 'p']] }) },
    { type: PacketType.PUBCOMP, packetId: 4, reasonCode: 0, properties: propsFor(v, { reasonString: 'ok' }) },
    {
      type: PacketType.SUBSCRIBE,
      packetId: 10,
      subscriptions: [
        { topic: 'a/+', qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 },
        { topic: 'b/#', qos: 1, noLocal: five, retainAsPublished: five, retainHandling: five ? 2 : 0 },
        { topic: '$share/g/c', qos: 2, noLocal: false, retainAsPublished: false, retainHandling: five ? 1 : 0 },
      ],
      properties: propsFor(v, { subscriptionIdentifiers: [42], userProperties: [['q', 'r']] }),
    },
    { type: PacketType.SUBACK, packetId: 10, reasonCodes: five ? [0, 1, 2, 0x80, 0x97, 0xa2] : [0, 1, 2, 0x80], properties: propsFor(v, { reasonString: 'r' }) },
    { type: PacketType.UNSUBSCRIBE, packetId: 11, topics: ['a/+', 'b/#'], properties: propsFor(v, { userProperties: [['m', 'n']] }) },
    { type: PacketType.UNSUBACK, packetId: 11, reasonCodes: five ? [0, 0x11] : [], properties: propsFor(v, { reasonString: 'done' }) },
    { type: PacketType.PINGREQ },
    { type: PacketType.PINGRESP },
    { type: PacketType.DISCONNECT, reasonCode: 0, properties: EMPTY_PROPERTIES },
    ...(five
      ? ([
          { type: PacketType.DISCONNECT, reasonCode: 0x04, properties: EMPTY_PROPERTIES },
          { type: PacketType.DISCONNECT, reasonCode: 0x8e, properties: { sessionExpiryInterval: 0, reasonString: 'taken', serverReference: 's', userProperties: [['a', 'b']] } },
          { type: PacketType.AUTH, reasonCode: 0, properties: EMPTY_PROPERTIES },
          { type: PacketType.AUTH, reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM', authenticationData: Buffer.from('d'), reasonString: 'go' } },
        ] satisfies Packet[])
      : []),
  ];
}

for (const v of versions) {
  for (const packet of samples(v)) {
    const name = `v${v} ${Object.keys(PacketType)[packet.type - 1]} round trips (${packet.type === PacketType.PUBLISH ? `qos ${packet.qos}` : 'reasonCode' in packet ? `reason ${packet.reasonCode}` : 'plain'})`;
    test(name, () => {
      const bytes = encodePacket(packet, v);
      assert.equal(encodedLength(packet, v), bytes.length, 'encodedLength matches the encoded size');
      assert.deepStrictEqual(decodePacket(bytes, v), packet);
      const { packets, errors } = parseChunks([bytes], v);
      assert.deepStrictEqual(errors, []);
      assert.deepStrictEqual(packets, [packet]);
    });
  }
}

test('v5 properties absent decode as the shared EMPTY_PROPERTIES object', () => {
  const bytes = encodePacket({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 't', packetId: 0, payload: Buffer.alloc(0), properties: EMPTY_PROPERTIES }, 5);
  const p = decodePacket(bytes, 5);
  assert.equal(p.type, PacketType.PUBLISH);
  assert.ok(p.type === PacketType.PUBLISH && p.properties === EMPTY_PROPERTIES);
});

test('decoded PUBLISH payload is a view of the input chunk, not a copy', () => {
  const bytes = encodePacket({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 't', packetId: 5, payload: Buffer.from('abc'), properties: EMPTY_PROPERTIES }, 4);
  const { packets } = parseChunks([bytes], 4);
  const p = packets[0]!;
  assert.ok(p.type === PacketType.PUBLISH);
  assert.equal(p.payload.buffer, bytes.buffer);
});

test('3.x properties are never written even when the packet carries some', () => {
  const packet: Packet = { type: PacketType.PUBACK, packetId: 9, reasonCode: 0, properties: { reasonString: 'x' } };
  assert.deepStrictEqual(encodePacket(packet, 4), Buffer.from([0x40, 2, 0, 9]));
});

test('CONNECT round trips with a password but no user name in 5.0', () => {
  const packet: Packet = { type: PacketType.CONNECT, protocolName: 'MQTT', protocolVersion: 5, clean: true, keepAlive: 5, clientId: 'c', username: undefined, password: Buffer.from('pw'), will: undefined, properties: EMPTY_PROPERTIES };
  assert.deepStrictEqual(decodePacket(encodePacket(packet, 5), 5), packet);
});
