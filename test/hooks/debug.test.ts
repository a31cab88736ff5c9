// DebugHook and AllowAll: packet logging summaries and the open door.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DebugHook, summarizePacket } from '../../src/hooks/builtin/debug.js';
import { AllowAll } from '../../src/hooks/builtin/allow-all.js';
import { HookChain } from '../../src/hooks/hook-chain.js';
import { PacketType } from '../../src/codec/types.js';
import { createAuth, createClient, createRecordingLogger } from './helpers.js';
import { connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';

test('DebugHook logs packets in and out at debug level with a short payload preview', async () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add(new DebugHook({ previewBytes: 4 }));
  await chain.init({ logger, brokerId: 'b', invalidateAclCache: () => undefined });
  const client = createClient({ id: 'dev-1' });
  const publish = { type: PacketType.PUBLISH, dup: false, qos: 1 as const, retain: false, topic: 'a/b', packetId: 7, payload: Buffer.from('hello world'), properties: {} };
  assert.equal(chain.runOnPacketRead(client, publish), publish);
  chain.notify('onPacketSent', client, { type: PacketType.PUBACK, packetId: 7, reasonCode: 0, properties: {} }, 4);
  assert.equal(logger.entries.length, 2);
  const [inbound, outbound] = logger.entries;
  assert.equal(inbound?.level, 'debug');
  assert.equal(inbound?.obj.clientId, 'dev-1');
  assert.deepEqual(inbound?.obj.packet, { type: 'PUBLISH', topic: 'a/b', qos: 1, retain: false, dup: false, packetId: 7, bytes: 11, preview: 'hell' });
  assert.equal(outbound?.obj.direction, 'out');
  assert.equal(outbound?.obj.bytes, 4);
  assert.deepEqual(outbound?.obj.packet, { type: 'PUBACK', packetId: 7, reasonCode: 0 });
});

test('summaries never include the password and show binary payloads as hex', () => {
  const connect = summarizePacket({
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepAlive: 30,
    clientId: 'c',
    username: 'u',
    password: Buffer.from('secret'),
    will: undefined,
    properties: {},
  });
  assert.equal(connect.password, '<redacted>');
  assert.equal(JSON.stringify(connect).includes('secret'), false);
  const binary = summarizePacket({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 't', packetId: 0, payload: Buffer.from([0, 1, 255]), properties: {} });
  assert.equal(binary.preview, '0001ff');
});

test('AllowAll allows connections and every access', async () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add(new AllowAll());
  assert.deepEqual(await chain.runAuthenticate(createClient(), createAuth()), { decision: 'allow' });
  assert.equal(await chain.runCheckAcl(createClient(), '$SYS/x', 'subscribe'), true);
});

test('DebugHook on a real broker logs the packets going out: CONNACK, SUBACK, PUBLISH, PUBACK', async () => {
  const logger = createRecordingLogger();
  const tb = await startBroker({}, (b) => void b.addHook(new DebugHook({ logger })));
  try {
    const client = await connectClient(tb.port, { protocolVersion: 5, clientId: 'dbg' });
    await client.subscribeAsync({ 'dbg/#': { qos: 1 } });
    const got = new Promise<void>((resolve) => client.once('message', () => resolve()));
    await client.publishAsync('dbg/t', 'hello', { qos: 1 });
    await got;
    await waitFor(() => logger.entries.filter((e) => e.msg === 'packet out').length >= 4, 3000, 'outbound log lines');
    const out = logger.entries.filter((e) => e.msg === 'packet out' && e.obj.clientId === 'dbg');
    const types = out.map((e) => (e.obj.packet as { type: string }).type);
    assert.deepEqual(types.slice(0, 2), ['CONNACK', 'SUBACK']);
    assert.ok(types.includes('PUBACK'), types.join());
    const publish = out.find((e) => (e.obj.packet as { type: string }).type === 'PUBLISH');
    assert.equal((publish?.obj.packet as { topic: string }).topic, 'dbg/t');
    assert.ok((publish?.obj.bytes as number) > 5);
    assert.ok(out.every((e) => e.level === 'debug' && e.obj.direction === 'out'));
    await endClient(client);
  } finally {
    await tb.close();
  }
});
