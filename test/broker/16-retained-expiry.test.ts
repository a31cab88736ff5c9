// Retained messages with a 5.0 Message Expiry Interval are purged once it runs out [MQTT-3.3.2-5]: never delivered to a
// new subscriber, listed, counted or held against a retained limit. Purging fires onRetainedExpired once and deletes
// the durable copy.
//
// Glossary: "access path" = one way of looking at the retained store (a SUBSCRIBE, broker.retained(), the HTTP API,
// ...). Each path gets its own broker whose sweep never runs during the test, so a purge there can only have been
// done by that path. All brokers run on one clock the test moves past the 1-second expiry.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import type { Hook, BrokerOptions } from '../../src/index.js';
import { HttpServer } from '../../src/http/http-server.js';
import { MapPersistence } from '../../examples/gomqtt-backend.js';
import { connectClient, delay, endClient, startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { publishesBeforePong, publishQoS1, rawSession } from '../helpers/raw-session.js';

const TOKEN = 'retained-expiry-token-0123';
/** Long enough that the housekeeping sweep never runs while a test looks. */
const NO_SWEEP: BrokerOptions = { sweepInterval: 3_600_000, sysInterval: 0 };
/** The brokers' clock: moved forward instead of waiting for expiry. */
const clock = new ManualClock();

/** A broker holding, after `prepare`: exp/a (1 s expiry), keep/b (no expiry), exp/replaced (expiring, then replaced by a lasting one). */
interface Prepared {
  tb: TestBroker;
  persistence: MapPersistence;
  /** Topics onRetainedExpired fired for, in order. */
  expired: string[];
  /** Topics onRetainedCleared fired for. */
  cleared: string[];
}

async function prepare(options: BrokerOptions = {}): Promise<Prepared> {
  const persistence = new MapPersistence();
  const tb = await startBroker({ ...NO_SWEEP, clock: clock.now, ...options }, (b) => b.setPersistence(persistence));
  const expired: string[] = [];
  const cleared: string[] = [];
  const hook: Hook = { id: 'watch-retained', onRetainedExpired: (topic) => expired.push(topic), onRetainedCleared: (topic) => cleared.push(topic) };
  await tb.broker.addHook(hook);
  const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'expiry-pub' });
  const oneSecond = { qos: 1 as const, retain: true, properties: { messageExpiryInterval: 1 } };
  // Cleared before it expires: onRetainedCleared, never onRetainedExpired.
  await pub.publishAsync('exp/cleared', 'x', oneSecond);
  await pub.publishAsync('exp/cleared', '', { qos: 1, retain: true });
  await pub.publishAsync('exp/a', 'gone', oneSecond);
  await pub.publishAsync('keep/b', 'kept', { qos: 1, retain: true });
  // Replaced by a message without expiry: it must not expire with the first one's deadline.
  await pub.publishAsync('exp/replaced', 'first', oneSecond);
  await pub.publishAsync('exp/replaced', 'lasting', { qos: 1, retain: true });
  await endClient(pub);
  // Before the expiry everything is there.
  assert.deepEqual(tb.broker.retained('#').map((r) => r.topic).sort(), ['exp/a', 'exp/replaced', 'keep/b']);
  assert.equal(persistence.store.retained.has('exp/a'), true);
  assert.deepEqual(cleared, ['exp/cleared']);
  return { tb, persistence, expired, cleared };
}

/** The retained state every path must see once exp/a expired, and the purge's side effects. */
function assertPurged(p: Prepared): void {
  assert.deepEqual(p.expired, ['exp/a'], 'onRetainedExpired fires once, for the expired message only');
  assert.equal(p.persistence.store.retained.has('exp/a'), false, 'the durable copy is deleted');
  assert.equal(p.persistence.store.retained.has('keep/b'), true);
  assert.equal(p.persistence.store.retained.get('exp/replaced')?.payload.toString(), 'lasting');
}

async function startHttpOn(tb: TestBroker): Promise<{ http: HttpServer; get: (path: string) => Promise<Response> }> {
  const http = new HttpServer(tb.broker, { port: 0, token: TOKEN });
  await http.listen();
  const base = `http://127.0.0.1:${http.address()!.port}`;
  return { http, get: (path) => fetch(base + path, { headers: { authorization: `Bearer ${TOKEN}` } }) };
}

describe('retained expiry, purged at access', () => {
  const names = ['sub-v5', 'sub-v4', 'inline', 'retained', 'retainedMessage', 'deleteRetained', 'stats', 'sys', 'api-list', 'api-get', 'api-stats', 'metrics', 'count-limit', 'byte-limit'] as const;
  const brokers = new Map<(typeof names)[number], Prepared>();
  const https: HttpServer[] = [];

  before(async () => {
    for (const name of names) {
      // Limits set exactly at what prepare() leaves stored: 3 messages, 4 + 4 + 7 payload bytes.
      const options: BrokerOptions =
        name === 'count-limit' ? { capabilities: { maximumRetainedMessages: 3 } } : name === 'byte-limit' ? { capabilities: { maximumRetainedBytes: 15 } } : {};
      brokers.set(name, await prepare(options));
    }
    // Full before the expiry: a new retained topic is refused.
    for (const name of ['count-limit', 'byte-limit'] as const) {
      const c = await rawSession(brokers.get(name)!.tb.port, 5, `full-${name}`);
      assert.equal(await publishQoS1(c, 'new/topic', 'n', 1, { retain: true }), 0x97, `${name}: refused while full`);
      c.destroy();
    }
    // Past exp/a's 1-second expiry on every broker's clock.
    clock.advance(1001);
  });

  after(async () => {
    for (const h of https) await h.close();
    for (const p of brokers.values()) await p.tb.close();
  });

  for (const version of [5, 4] as const) {
    test(`a SUBSCRIBE (v${version}) gets only the live retained messages [MQTT-3.3.2-5] [MQTT-3.3.1-9]`, async () => {
      const p = brokers.get(version === 5 ? 'sub-v5' : 'sub-v4')!;
      assert.deepEqual(p.expired, [], 'nothing purged before the subscribe');
      const c = await rawSession(p.tb.port, version, `late-${version}`);
      c.send(subscribePacket(1, [{ topic: '#', qos: 1 }]));
      await c.expect(PacketType.SUBACK);
      const got = await publishesBeforePong(c);
      assert.deepEqual(got.map((m) => `${m.topic}=${m.payload.toString()}`).sort(), ['exp/replaced=lasting', 'keep/b=kept']);
      assertPurged(p);
      c.destroy();
    });
  }

  test('an inline subscription (broker.subscribe) gets only the live retained messages', () => {
    const p = brokers.get('inline')!;
    const got: string[] = [];
    const sub = p.tb.broker.subscribe('#', (m) => got.push(m.topic));
    sub.unsubscribe();
    assert.deepEqual(got.sort(), ['exp/replaced', 'keep/b']);
    assertPurged(p);
  });

  test('broker.retained() does not list an expired message', () => {
    const p = brokers.get('retained')!;
    assert.deepEqual(p.tb.broker.retained('exp/+').map((r) => r.topic), ['exp/replaced']);
    assertPurged(p);
  });

  test('broker.retainedMessage() answers undefined for an expired message', () => {
    const p = brokers.get('retainedMessage')!;
    assert.equal(p.tb.broker.retainedMessage('exp/a'), undefined);
    assert.equal(p.tb.broker.retainedMessage('keep/b')?.payload.toString(), 'kept');
    assertPurged(p);
  });

  test('broker.deleteRetained() finds nothing to clear once a message expired (expired, not cleared)', () => {
    const p = brokers.get('deleteRetained')!;
    assert.equal(p.tb.broker.deleteRetained('exp/a'), false);
    assert.deepEqual(p.cleared, ['exp/cleared']);
    assertPurged(p);
  });

  test('broker.stats does not count an expired message', () => {
    const p = brokers.get('stats')!;
    const stats = p.tb.broker.stats;
    assert.equal(stats.retainedMessages, 2);
    assert.equal(stats.retainedBytes, 'kept'.length + 'lasting'.length);
    assertPurged(p);
  });

  test('$SYS/broker/messages/retained/count does not count an expired message', () => {
    const p = brokers.get('sys')!;
    const got: string[] = [];
    const sub = p.tb.broker.subscribe('$SYS/broker/messages/retained/count', (m) => got.push(m.payload.toString()), { retained: false });
    p.tb.broker.publishSys();
    sub.unsubscribe();
    assert.deepEqual(got, ['2']);
    assertPurged(p);
  });

  test('GET /api/v1/retained does not list an expired message', async () => {
    const p = brokers.get('api-list')!;
    const h = await startHttpOn(p.tb);
    https.push(h.http);
    const body = (await (await h.get('/api/v1/retained?filter=%23')).json()) as { items: { topic: string }[] };
    assert.deepEqual(body.items.map((i) => i.topic), ['exp/replaced', 'keep/b']);
    assertPurged(p);
  });

  test('GET /api/v1/retained/{topic} is 404 for an expired message', async () => {
    const p = brokers.get('api-get')!;
    const h = await startHttpOn(p.tb);
    https.push(h.http);
    assert.equal((await h.get('/api/v1/retained/exp%2Fa')).status, 404);
    assertPurged(p);
  });

  test('GET /api/v1/stats does not count an expired message', async () => {
    const p = brokers.get('api-stats')!;
    const h = await startHttpOn(p.tb);
    https.push(h.http);
    const body = (await (await h.get('/api/v1/stats')).json()) as Record<string, number>;
    assert.equal(body.retainedMessages, 2);
    assert.equal(body.retainedBytes, 11);
    assertPurged(p);
  });

  test('GET /metrics does not count an expired message', async () => {
    const p = brokers.get('metrics')!;
    const h = await startHttpOn(p.tb);
    https.push(h.http);
    const text = await (await h.get('/metrics')).text();
    assert.match(text, /^swiftlet_retained_messages 2$/m);
    assert.match(text, /^swiftlet_retained_bytes 11$/m);
    assertPurged(p);
  });

  for (const name of ['count-limit', 'byte-limit'] as const) {
    test(`an expired message is not held against ${name === 'count-limit' ? 'maximumRetainedMessages' : 'maximumRetainedBytes'}`, async () => {
      const p = brokers.get(name)!;
      const c = await rawSession(p.tb.port, 5, `after-${name}`);
      assert.equal(await publishQoS1(c, 'new/topic', 'n', 1, { retain: true }), 0, 'accepted once exp/a expired');
      assert.equal(p.tb.broker.retainedMessage('new/topic')?.payload.toString(), 'n');
      assertPurged(p);
      c.destroy();
    });
  }
});

describe('retained expiry, purged by the sweep', () => {
  test('with no one looking, the housekeeping sweep purges an expired retained message: hook, stats, storage', async () => {
    const persistence = new MapPersistence();
    const sweepClock = new ManualClock();
    const tb = await startBroker({ sysInterval: 0, sweepInterval: 20, clock: sweepClock.now }, (b) => b.setPersistence(persistence));
    try {
      let fired: (topic: string) => void = () => undefined;
      const expired = new Promise<string>((resolve) => (fired = resolve));
      await tb.broker.addHook({ id: 'sweep-watch', onRetainedExpired: (topic) => fired(topic) });
      const pub = await rawSession(tb.port, 5, 'sweep-pub');
      assert.equal(await publishQoS1(pub, 'sweep/gone', 'g', 1, { retain: true, properties: { messageExpiryInterval: 1 } }), 0);
      pub.send(publishPacket('sweep/kept', 'k', 0, 0, { retain: true }));
      pub.send({ type: PacketType.PINGREQ });
      await pub.expect(PacketType.PINGRESP);
      pub.destroy();
      sweepClock.advance(1001);
      const topic = await Promise.race([expired, delay(3000).then(() => 'no onRetainedExpired within 3 s')]);
      assert.equal(topic, 'sweep/gone');
      assert.equal(persistence.store.retained.has('sweep/gone'), false);
      assert.equal(persistence.store.retained.has('sweep/kept'), true);
      assert.equal(tb.broker.stats.retainedMessages, 1);
    } finally {
      await tb.close();
    }
  });
});
