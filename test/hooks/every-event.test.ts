// Every hook event fires on real traffic: one hook implementing all of them, a real broker, MQTT.js and the raw client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HOOK_EVENTS, PacketType } from '../../src/index.js';
import type {
  AclAccess,
  ClientInfo,
  ConnectAuth,
  ConnectPacket,
  Decision,
  DisconnectInfo,
  DropReason,
  EnhancedAuthResult,
  EnhancedAuthStep,
  Hook,
  HookContext,
  Packet,
  PublishPacket,
  SessionEndReason,
  SubscriberSelection,
  SubscriptionRequest,
  Will,
} from '../../src/index.js';
import type { ConnectionMeta } from '../../src/listeners/listener.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';

/**
 * Events this test does not prove, each proven by its own end-to-end test:
 * - onRetainedExpired: needs a retained message to outlive its Message Expiry Interval (a clock advanced past it);
 *   proven by test/broker/16-retained-expiry.test.ts.
 */
const PROVEN_ELSEWHERE = new Set<string>(['onRetainedExpired']);

type Calls = Map<string, unknown[][]>;

/** A hook implementing every event (the type makes leaving one out a compile error), recording each call. */
function recordingHook(calls: Calls): Required<Hook> {
  const record = (event: string, ...args: unknown[]): void => {
    let list = calls.get(event);
    if (list === undefined) calls.set(event, (list = []));
    list.push(args);
  };
  return {
    id: 'every-event',
    init(ctx: HookContext) {
      record('init', ctx);
    },
    stop() {
      record('stop');
    },
    authenticate(client: ClientInfo, auth: ConnectAuth): Decision {
      record('authenticate', client, auth);
      return auth.username === 'intruder' ? 'deny' : 'allow';
    },
    checkAcl(client: ClientInfo, topic: string, access: AclAccess): Decision {
      record('checkAcl', client, topic, access);
      return access === 'read' && topic.startsWith('ev/denied') ? 'deny' : 'allow';
    },
    enhancedAuth(client: ClientInfo, step: EnhancedAuthStep): EnhancedAuthResult {
      record('enhancedAuth', client, step);
      return step.method === 'test-method' && step.data?.toString() === 'let-me-in' ? { decision: 'allow' } : { decision: 'deny' };
    },
    onAccept(meta: ConnectionMeta) {
      record('onAccept', meta);
      return undefined;
    },
    onConnect(client: ClientInfo, packet: ConnectPacket) {
      record('onConnect', client, packet);
      return undefined;
    },
    onPacketRead(client: ClientInfo, packet: Packet) {
      record('onPacketRead', client, packet);
      return undefined;
    },
    onPacketEncode(client: ClientInfo, packet: Packet) {
      record('onPacketEncode', client, packet);
      // A transform on the way out: the subscriber must see the replaced payload.
      if (packet.type === PacketType.PUBLISH && packet.topic === 'ev/encode') return { ...packet, payload: Buffer.from('rewritten') };
      return undefined;
    },
    onPublish(client: ClientInfo | null, packet: PublishPacket) {
      record('onPublish', client, packet);
      return undefined;
    },
    onSubscribe(client: ClientInfo, subscriptions: SubscriptionRequest[]) {
      record('onSubscribe', client, subscriptions);
      return undefined;
    },
    onUnsubscribe(client: ClientInfo, topics: string[]) {
      record('onUnsubscribe', client, topics);
      return undefined;
    },
    onWill(client: ClientInfo, will: Will) {
      record('onWill', client, will);
      return undefined;
    },
    onSelectSubscribers(packet: PublishPacket, selection: SubscriberSelection) {
      // Copy: the selection is the broker's own object.
      record('onSelectSubscribers', packet, structuredClone(selection));
      return undefined;
    },
    onStarted() {
      record('onStarted');
    },
    onStopped() {
      record('onStopped');
    },
    onConnected(client: ClientInfo) {
      record('onConnected', client);
    },
    onSessionCreated(client: ClientInfo) {
      record('onSessionCreated', client);
    },
    onSessionResumed(client: ClientInfo) {
      record('onSessionResumed', client);
    },
    onSessionExpired(clientId: string) {
      record('onSessionExpired', clientId);
    },
    onSessionTerminated(clientId: string, reason: SessionEndReason) {
      record('onSessionTerminated', clientId, reason);
    },
    onDisconnected(client: ClientInfo, info: DisconnectInfo) {
      record('onDisconnected', client, info);
    },
    onSubscribed(client: ClientInfo, subscriptions: SubscriptionRequest[], reasonCodes: number[]) {
      record('onSubscribed', client, subscriptions, reasonCodes);
    },
    onUnsubscribed(client: ClientInfo, topics: string[], reasonCodes: number[]) {
      record('onUnsubscribed', client, topics, reasonCodes);
    },
    onPublished(client: ClientInfo | null, packet: PublishPacket) {
      record('onPublished', client, packet);
      // A failing notify hook is reported to onError hooks.
      if (packet.topic === 'ev/boom') throw new Error('boom from onPublished');
    },
    onMessageDelivered(client: ClientInfo, packet: PublishPacket) {
      record('onMessageDelivered', client, packet);
    },
    onMessageDropped(clientId: string, packet: PublishPacket, why: DropReason) {
      record('onMessageDropped', clientId, packet, why);
    },
    onRetainedStored(packet: PublishPacket) {
      record('onRetainedStored', packet);
    },
    onRetainedCleared(topic: string) {
      record('onRetainedCleared', topic);
    },
    onRetainedExpired(topic: string) {
      record('onRetainedExpired', topic);
    },
    onRetainedDelivered(client: ClientInfo, packet: PublishPacket) {
      record('onRetainedDelivered', client, packet);
    },
    onQosStarted(client: ClientInfo, packet: PublishPacket) {
      record('onQosStarted', client, packet);
    },
    onQosCompleted(client: ClientInfo, packet: PublishPacket) {
      record('onQosCompleted', client, packet);
    },
    onQosDropped(clientId: string, packet: PublishPacket, why: DropReason) {
      record('onQosDropped', clientId, packet, why);
    },
    onPacketProcessed(client: ClientInfo, packet: Packet, error: Error | undefined) {
      record('onPacketProcessed', client, packet, error);
    },
    onPacketSent(client: ClientInfo, packet: Packet, bytes: number) {
      record('onPacketSent', client, packet, bytes);
    },
    onWillSent(client: ClientInfo, will: Will) {
      record('onWillSent', client, will);
    },
    onSysTick(stats: Readonly<Record<string, number | string>>) {
      record('onSysTick', stats);
    },
    onError(error: Error, context: { clientId?: string; where: string }) {
      record('onError', error, context);
    },
  };
}

/** Calls of `event` whose arguments satisfy `match`. */
function callsOf(calls: Calls, event: string, match: (args: unknown[]) => boolean = () => true): unknown[][] {
  return (calls.get(event) ?? []).filter(match);
}

function clientIs(id: string) {
  return (args: unknown[]): boolean => (args[0] as ClientInfo | null)?.id === id;
}

test('every hook event fires on real traffic, with the arguments docs/hooks.md promises', async () => {
  const calls: Calls = new Map();
  const tb = await startBroker({ sysInterval: 0 }, (broker) => {
    void broker.addHook(recordingHook(calls));
  });
  const { broker, port } = tb;
  try {
    assert.equal(callsOf(calls, 'init').length, 1);
    assert.equal((callsOf(calls, 'init')[0]![0] as HookContext).brokerId, broker.id);
    assert.equal(callsOf(calls, 'onStarted').length, 1);

    // A 5.0 subscriber (MQTT.js): connect, subscribe, retained and live deliveries, a shared group, unsubscribe.
    const sub = await connectClient(port, { protocolVersion: 5, clientId: 'ev-sub', clean: true });
    const got = collect(sub);
    assert.equal((callsOf(calls, 'onAccept')[0]![0] as ConnectionMeta).remoteAddress, '127.0.0.1');
    assert.equal((callsOf(calls, 'onConnect', clientIs('ev-sub'))[0]![1] as ConnectPacket).clientId, 'ev-sub');
    assert.equal((callsOf(calls, 'authenticate', clientIs('ev-sub'))[0]![1] as ConnectAuth).clientId, 'ev-sub');
    assert.equal(callsOf(calls, 'onSessionCreated', clientIs('ev-sub')).length, 1);
    assert.equal(callsOf(calls, 'onConnected', clientIs('ev-sub')).length, 1);
    // The CONNACK went out through onPacketEncode and onPacketSent (with its encoded size).
    const connackSent = callsOf(calls, 'onPacketSent', (a) => clientIs('ev-sub')(a) && (a[1] as Packet).type === PacketType.CONNACK);
    assert.equal(connackSent.length, 1);
    assert.ok((connackSent[0]![2] as number) >= 4);
    assert.equal(callsOf(calls, 'onPacketEncode', (a) => clientIs('ev-sub')(a) && (a[1] as Packet).type === PacketType.CONNACK).length, 1);

    // A retained message from the raw 3.1.1 client, stored before the subscription.
    const pub = await RawClient.connect(port, 4);
    await pub.handshake('ev-pub');
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: true, topic: 'ev/retained', packetId: 1, payload: Buffer.from('kept'), properties: {} });
    await pub.expect(PacketType.PUBACK);
    assert.equal((callsOf(calls, 'onRetainedStored')[0]![0] as PublishPacket).topic, 'ev/retained');
    assert.ok(callsOf(calls, 'checkAcl', (a) => a[1] === 'ev/retained' && a[2] === 'publish').length === 1);
    assert.equal((callsOf(calls, 'onPublish', clientIs('ev-pub'))[0]![1] as PublishPacket).payload.toString(), 'kept');
    // The PUBLISH was processed (onPacketProcessed without an error) and its PUBACK sent through the hooks.
    assert.ok(callsOf(calls, 'onPacketProcessed', (a) => clientIs('ev-pub')(a) && (a[1] as Packet).type === PacketType.PUBLISH && a[2] === undefined).length === 1);
    assert.ok(callsOf(calls, 'onPacketSent', (a) => clientIs('ev-pub')(a) && (a[1] as Packet).type === PacketType.PUBACK).length === 1);

    await sub.subscribeAsync({ 'ev/#': { qos: 1 }, '$share/grp/ev/shared': { qos: 1 } });
    await waitFor(() => got.some((m) => m.topic === 'ev/retained'), 3000, 'retained message');
    const subscribe = callsOf(calls, 'onSubscribe', clientIs('ev-sub'));
    assert.deepEqual((subscribe[0]![1] as SubscriptionRequest[]).map((s) => s.topic), ['ev/#', '$share/grp/ev/shared']);
    assert.ok(callsOf(calls, 'checkAcl', (a) => clientIs('ev-sub')(a) && a[1] === 'ev/#' && a[2] === 'subscribe').length === 1);
    assert.deepEqual(callsOf(calls, 'onSubscribed', clientIs('ev-sub'))[0]![2], [1, 1]);
    assert.ok(callsOf(calls, 'checkAcl', (a) => clientIs('ev-sub')(a) && a[1] === 'ev/retained' && a[2] === 'read').length === 1);
    const retainedDelivered = callsOf(calls, 'onRetainedDelivered', clientIs('ev-sub'));
    assert.equal(retainedDelivered.length, 1);
    assert.equal((retainedDelivered[0]![1] as PublishPacket).retain, true);
    assert.equal((retainedDelivered[0]![1] as PublishPacket).payload.toString(), 'kept');
    // QoS 1 towards MQTT.js: started, then completed by its PUBACK, with the same packet id.
    await waitFor(() => callsOf(calls, 'onQosCompleted', clientIs('ev-sub')).length === 1, 3000, 'onQosCompleted');
    const started = callsOf(calls, 'onQosStarted', clientIs('ev-sub'))[0]![1] as PublishPacket;
    const completed = callsOf(calls, 'onQosCompleted', clientIs('ev-sub'))[0]![1] as PublishPacket;
    assert.equal(started.topic, 'ev/retained');
    assert.ok(started.packetId > 0);
    assert.equal(completed.packetId, started.packetId);
    assert.equal((callsOf(calls, 'onMessageDelivered', clientIs('ev-sub'))[0]![1] as PublishPacket).topic, 'ev/retained');

    // Live messages: onSelectSubscribers sees the plain subscriber and the shared group with its built-in choice.
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 'ev/shared', packetId: 0, payload: Buffer.from('s'), properties: {} });
    await waitFor(() => got.filter((m) => m.topic === 'ev/shared').length === 2, 3000, 'plain and shared copies');
    const selected = callsOf(calls, 'onSelectSubscribers', (a) => (a[0] as PublishPacket).topic === 'ev/shared');
    assert.equal(selected.length, 1);
    const selection = selected[0]![1] as SubscriberSelection;
    assert.deepEqual(selection.clients, ['ev-sub']);
    assert.deepEqual(selection.shared, [{ group: 'grp', filter: 'ev/shared', members: [{ clientId: 'ev-sub', connected: true }], chosen: 'ev-sub' }]);
    assert.ok(callsOf(calls, 'onPublished', (a) => (a[1] as PublishPacket).topic === 'ev/shared').length === 1);

    // onPacketEncode can rewrite an outbound PUBLISH; onPacketSent reports the rewritten packet.
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 'ev/encode', packetId: 0, payload: Buffer.from('original'), properties: {} });
    await waitFor(() => got.some((m) => m.topic === 'ev/encode'), 3000, 'rewritten message');
    assert.equal(got.find((m) => m.topic === 'ev/encode')!.payload.toString(), 'rewritten');
    const sentEncode = callsOf(calls, 'onPacketSent', (a) => clientIs('ev-sub')(a) && (a[1] as PublishPacket).topic === 'ev/encode');
    assert.equal((sentEncode[0]![1] as PublishPacket).payload.toString(), 'rewritten');

    // A read denial: not delivered, reported as dropped 'acl-denied'.
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'ev/denied', packetId: 2, payload: Buffer.from('no'), properties: {} });
    await pub.expect(PacketType.PUBACK);
    await waitFor(() => callsOf(calls, 'onMessageDropped').length === 1, 3000, 'onMessageDropped');
    const [droppedFor, droppedPacket, droppedWhy] = callsOf(calls, 'onMessageDropped')[0]!;
    assert.equal(droppedFor, 'ev-sub');
    assert.equal((droppedPacket as PublishPacket).topic, 'ev/denied');
    assert.equal(droppedWhy, 'acl-denied');

    // A notify hook that throws is reported to onError with the hook and event.
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic: 'ev/boom', packetId: 0, payload: Buffer.from('x'), properties: {} });
    await waitFor(() => callsOf(calls, 'onError').length > 0, 3000, 'onError');
    const [error, where] = callsOf(calls, 'onError')[0]!;
    assert.equal((error as Error).message, 'boom from onPublished');
    assert.deepEqual(where, { clientId: 'ev-pub', where: 'hook:every-event:onPublished' });

    // Clearing the retained message.
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: true, topic: 'ev/retained', packetId: 3, payload: Buffer.alloc(0), properties: {} });
    await pub.expect(PacketType.PUBACK);
    assert.deepEqual(callsOf(calls, 'onRetainedCleared'), [['ev/retained']]);

    await sub.unsubscribeAsync('ev/#');
    assert.deepEqual(callsOf(calls, 'onUnsubscribe', clientIs('ev-sub'))[0]![1], ['ev/#']);
    assert.deepEqual(callsOf(calls, 'onUnsubscribed', clientIs('ev-sub'))[0]![2], [0]);

    // An unacknowledged QoS 1 message is abandoned when its (clean) session ends: onQosDropped.
    const slow = await RawClient.connect(port, 4);
    await slow.handshake('ev-slow');
    slow.send({ type: PacketType.SUBSCRIBE, packetId: 1, subscriptions: [{ topic: 'ev/qos', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }], properties: {} });
    await slow.expect(PacketType.SUBACK);
    pub.send({ type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 'ev/qos', packetId: 4, payload: Buffer.from('unacked'), properties: {} });
    const unacked = await slow.expect(PacketType.PUBLISH);
    slow.destroy();
    await waitFor(() => callsOf(calls, 'onQosDropped').length === 1, 3000, 'onQosDropped');
    const [qosFor, qosPacket, qosWhy] = callsOf(calls, 'onQosDropped')[0]!;
    assert.equal(qosFor, 'ev-slow');
    assert.equal((qosPacket as PublishPacket).packetId, unacked.packetId);
    assert.equal(qosWhy, 'client-gone');
    // The session had no expiry interval: it expired and ended.
    assert.deepEqual(callsOf(calls, 'onSessionExpired', (a) => a[0] === 'ev-slow'), [['ev-slow']]);
    assert.deepEqual(callsOf(calls, 'onSessionTerminated', (a) => a[0] === 'ev-slow'), [['ev-slow', 'expired']]);
    await waitFor(() => callsOf(calls, 'onDisconnected', clientIs('ev-slow')).length === 1, 3000, 'onDisconnected');
    assert.equal((callsOf(calls, 'onDisconnected', clientIs('ev-slow'))[0]![1] as DisconnectInfo).byServer, false);

    // A will: published when the connection drops without DISCONNECT.
    const willer = await RawClient.connect(port, 4);
    await willer.handshake('ev-will', { will: { topic: 'ev/will', payload: Buffer.from('gone'), qos: 0, retain: false, properties: {} } });
    willer.destroy();
    await waitFor(() => callsOf(calls, 'onWillSent').length === 1, 3000, 'will sent');
    assert.equal((callsOf(calls, 'onWill', clientIs('ev-will'))[0]![1] as Will).topic, 'ev/will');
    assert.equal((callsOf(calls, 'onWillSent', clientIs('ev-will'))[0]![1] as Will).payload.toString(), 'gone');

    // A resumed session.
    const keep = await RawClient.connect(port, 4);
    await keep.handshake('ev-keep', { clean: false });
    keep.end();
    await waitFor(() => callsOf(calls, 'onDisconnected', clientIs('ev-keep')).length === 1, 3000, 'ev-keep offline');
    const again = await RawClient.connect(port, 4);
    const connack = await again.handshake('ev-keep', { clean: false });
    assert.equal(connack.sessionPresent, true);
    assert.equal(callsOf(calls, 'onSessionResumed', clientIs('ev-keep')).length, 1);
    again.end();

    // MQTT 5 enhanced authentication on CONNECT.
    const enhanced = await RawClient.connect(port, 5);
    const enhancedAck = await enhanced.handshake('ev-auth', { properties: { authenticationMethod: 'test-method', authenticationData: Buffer.from('let-me-in') } });
    assert.equal(enhancedAck.reasonCode, 0);
    const step = callsOf(calls, 'enhancedAuth', clientIs('ev-auth'))[0]![1] as EnhancedAuthStep;
    assert.equal(step.method, 'test-method');
    assert.equal(step.reauthenticate, false);
    enhanced.end();

    // $SYS refresh.
    broker.publishSys();
    const tick = callsOf(calls, 'onSysTick')[0]![0] as Record<string, number | string>;
    // sub and pub at least are connected.
    assert.ok(Number(tick['$SYS/broker/clients/connected']) >= 2, JSON.stringify(tick));

    await endClient(sub);
    pub.end();
  } finally {
    await tb.close();
  }
  assert.equal(callsOf(calls, 'onStopped').length, 1);
  assert.equal(callsOf(calls, 'stop').length, 1);

  // Every event in HOOK_EVENTS fired here, except the ones listed (with the test that proves them) above.
  const fired = new Set(calls.keys());
  const missing = HOOK_EVENTS.filter((event) => !fired.has(event) && !PROVEN_ELSEWHERE.has(event));
  assert.deepEqual(missing, []);
  for (const event of PROVEN_ELSEWHERE) assert.ok((HOOK_EVENTS as readonly string[]).includes(event), `${event} is no longer an event`);
});
