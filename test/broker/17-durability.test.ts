// The durability guarantee with an embedded broker and a Persistence whose commits the test releases or fails:
// PUBACK/PUBREC wait for the commit holding the message, clean-session traffic records nothing and never waits, a
// failed commit turns them into refusals (5.0 0x80; 3.x closes unacknowledged), logged and counted and passed to
// onError, and the broker resumes when storage works again; the size cap refuses with 0x97; will-delay and session
// expiry deadlines continue across a restart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/index.js';
import type { Hook } from '../../src/index.js';
import { MapPersistence, createMapStore } from '../../examples/gomqtt-backend.js';
import type { MapStore } from '../../examples/gomqtt-backend.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import { publishPacket } from '../helpers/packets.js';
import { rawSession } from '../helpers/raw-session.js';

/** A MapPersistence whose commits, while `gated`, wait until the test settles them. */
class GatedPersistence extends MapPersistence {
  gated = false;
  readonly waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];
  override commit(): Promise<void> {
    this.commits++;
    if (!this.gated) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
  /** Settles every commit waiting now. */
  settle(err?: Error): void {
    for (const w of this.waiting.splice(0)) {
      if (err === undefined) w.resolve();
      else w.reject(err);
    }
  }
}

function startWith(persistence: MapPersistence, extra: Parameters<typeof startBroker>[0] = {}): Promise<TestBroker> {
  return startBroker({ sysInterval: 0, ...extra }, (b) => b.setPersistence(persistence));
}

const stored = { clean: false, properties: { sessionExpiryInterval: 300 } };

describe('durable acknowledgements', () => {
  test('PUBACK and PUBREC wait for the commit that stores the message for an offline persistent subscriber; nothing else is held back', async () => {
    const p = new GatedPersistence();
    const tb = await startWith(p);
    try {
      const sub = await rawSession(tb.port, 5, 'dur-sub', { subscribe: [{ topic: 'dur/#', qos: 2 }], connect: stored });
      sub.destroy();
      await waitFor(() => tb.broker.client('dur-sub')?.connected === false, 2000, 'subscriber offline');
      p.gated = true;
      const pub = await rawSession(tb.port, 5, 'dur-pub');
      pub.send(publishPacket('dur/a', 'one', 1, 1));
      pub.send(publishPacket('dur/b', 'two', 2, 2));
      await waitFor(() => p.waiting.length > 0, 2000, 'a commit');
      assert.equal(await pub.quiet(200), true, 'no acknowledgement before the commit');
      p.settle();
      const puback = await pub.expect(PacketType.PUBACK);
      assert.equal(puback.packetId, 1);
      assert.equal(puback.reasonCode, 0);
      const pubrec = await pub.expect(PacketType.PUBREC);
      assert.equal(pubrec.packetId, 2);
      assert.equal(pubrec.reasonCode, 0);
      assert.equal(p.store.deliveries.size, 2, 'both deliveries stored');
      pub.destroy();
    } finally {
      p.settle();
      await tb.close();
    }
  });

  test('a message delivered to connected persistent subscribers and acknowledged by them releases the PUBACK before its commit; a retained one waits', async () => {
    const p = new GatedPersistence();
    const tb = await startWith(p);
    try {
      const sub = await rawSession(tb.port, 5, 'early-sub', { subscribe: [{ topic: 'early/#', qos: 1 }], connect: stored });
      p.gated = true;
      const pub = await rawSession(tb.port, 5, 'early-pub');
      pub.send(publishPacket('early/a', 'one', 1, 1));
      const got = await sub.expect(PacketType.PUBLISH);
      assert.equal(await pub.quiet(200), true, 'no PUBACK while the subscriber has not acknowledged and nothing is committed');
      sub.send({ type: PacketType.PUBACK, packetId: got.packetId, reasonCode: 0, properties: {} });
      const puback = await pub.expect(PacketType.PUBACK);
      assert.equal(puback.reasonCode, 0);
      assert.ok(p.waiting.length > 0, 'the commit is still open');
      // A retained message needs the retained store committed, whatever the subscribers do.
      pub.send(publishPacket('early/r', 'kept', 1, 2, { retain: true }));
      const got2 = await sub.expect(PacketType.PUBLISH);
      sub.send({ type: PacketType.PUBACK, packetId: got2.packetId, reasonCode: 0, properties: {} });
      assert.equal(await pub.quiet(200), true, 'the retained message waits for its commit');
      p.settle();
      await waitFor(() => p.waiting.length > 0 || pub.received.length > 0, 2000, 'next commit or PUBACK');
      p.settle();
      assert.equal((await pub.expect(PacketType.PUBACK)).packetId, 2);
      pub.destroy();
      sub.destroy();
    } finally {
      p.gated = false;
      p.settle();
      await tb.close();
    }
  });

  test('clean-session traffic records nothing and is acknowledged at once', async () => {
    const p = new GatedPersistence();
    const tb = await startWith(p);
    try {
      const sub = await rawSession(tb.port, 4, 'clean-sub', { subscribe: [{ topic: 'clean/#', qos: 1 }] });
      const pub = await rawSession(tb.port, 4, 'clean-pub');
      pub.send(publishPacket('clean/a', 'x', 1, 5));
      assert.equal((await pub.expect(PacketType.PUBACK)).packetId, 5);
      assert.equal((await sub.expect(PacketType.PUBLISH)).payload.toString(), 'x');
      pub.send(publishPacket('clean/b', 'y', 2, 6));
      assert.equal((await pub.expect(PacketType.PUBREC)).packetId, 6);
      assert.equal(p.commits, 0, 'no commit for clean sessions');
      assert.equal(p.store.sessions.size, 0);
      pub.destroy();
      sub.destroy();
    } finally {
      await tb.close();
    }
  });

  test('a failed commit refuses: 5.0 PUBACK/PUBREC 0x80, 3.x closed without acknowledgement; onError, log and persistenceErrors say so; the next commit succeeds by itself', async () => {
    const p = new GatedPersistence();
    const errors: string[] = [];
    const logged: string[] = [];
    const hook: Hook = { id: 'errors', onError: (err, where) => errors.push(`${where.where}: ${err.message}`) };
    const logger = { debug: () => undefined, info: () => undefined, warn: (_o: object, msg?: string) => logged.push(msg ?? ''), error: () => undefined };
    const tb = await startBroker({ sysInterval: 0, logger }, (b) => {
      b.setPersistence(p);
      void b.addHook(hook);
    });
    try {
      const sub = await rawSession(tb.port, 5, 'fail-sub', { subscribe: [{ topic: 'fail/#', qos: 1 }], connect: stored });
      sub.destroy();
      await waitFor(() => tb.broker.client('fail-sub')?.connected === false, 2000, 'subscriber offline');
      p.gated = true;

      const pub5 = await rawSession(tb.port, 5, 'fail-pub5');
      pub5.send(publishPacket('fail/a', 'a', 1, 1));
      pub5.send(publishPacket('fail/b', 'b', 2, 2));
      await waitFor(() => p.waiting.length > 0, 2000, 'a commit');
      p.settle(new Error('disk on fire'));
      assert.equal((await pub5.expect(PacketType.PUBACK)).reasonCode, ReasonCode.UNSPECIFIED_ERROR);
      assert.equal((await pub5.expect(PacketType.PUBREC)).reasonCode, ReasonCode.UNSPECIFIED_ERROR);
      assert.deepEqual(errors, ['persistence: disk on fire']);
      assert.ok(logged.some((m) => m.includes('storage commit failed')));
      assert.equal(tb.broker.stats.persistenceErrors, 1);
      // A refused PUBREC holds no id [MQTT-4.3.3-9]: the same id is a new message.
      pub5.send(publishPacket('fail/b', 'b again', 2, 2));
      await waitFor(() => p.waiting.length > 0, 2000, 'the retry commit');
      p.settle();
      assert.equal((await pub5.expect(PacketType.PUBREC)).reasonCode, 0);

      const pub4 = await rawSession(tb.port, 4, 'fail-pub4');
      pub4.send(publishPacket('fail/c', 'c', 1, 3));
      await waitFor(() => p.waiting.length > 0, 2000, 'a commit');
      p.settle(new Error('disk on fire again'));
      await pub4.closed;
      assert.equal(pub4.received.some((pkt) => pkt.type === PacketType.PUBACK), false, '3.x gets no PUBACK for what was not stored');

      // Storage works again: acknowledged normally.
      p.gated = false;
      p.settle();
      pub5.send(publishPacket('fail/d', 'd', 1, 4));
      const ok = await pub5.expect(PacketType.PUBACK);
      assert.equal(ok.packetId, 4);
      assert.equal(ok.reasonCode, 0);
      pub5.destroy();
    } finally {
      p.settle();
      await tb.close();
    }
  });

  test('the size cap (maximumStoredBytes) refuses what would pass it with 0x97 and drops it for the stored session (storage-full)', async () => {
    const p = new MapPersistence();
    const dropped: string[] = [];
    const tb = await startWith(p, { maximumStoredBytes: 2100 });
    await tb.broker.addHook({ id: 'drops', onMessageDropped: (clientId, _packet, why) => dropped.push(`${clientId}:${why}`) });
    try {
      const sub = await rawSession(tb.port, 5, 'cap-sub', { subscribe: [{ topic: 'cap/#', qos: 1 }], connect: stored });
      sub.destroy();
      await waitFor(() => tb.broker.client('cap-sub')?.connected === false, 2000, 'subscriber offline');
      const pub = await rawSession(tb.port, 5, 'cap-pub');
      const payload = Buffer.alloc(600, 1);
      const codes: number[] = [];
      for (let id = 1; id <= 4; id++) {
        pub.send(publishPacket('cap/x', payload, 1, id));
        codes.push((await pub.expect(PacketType.PUBACK)).reasonCode);
      }
      // 3 × (600 + 5 + 64) = 2007 bytes fit under 2100; the fourth does not.
      assert.deepEqual(codes, [0, 0, 0, ReasonCode.QUOTA_EXCEEDED]);
      assert.deepEqual(dropped, ['cap-sub:storage-full']);
      assert.equal(p.store.deliveries.size, 3);
      pub.send(publishPacket('cap/r', payload, 1, 9, { retain: true }));
      assert.equal((await pub.expect(PacketType.PUBACK)).reasonCode, ReasonCode.QUOTA_EXCEEDED);
      assert.equal(p.store.retained.size, 0);
      assert.equal(tb.broker.stats.storedBytes, 3 * (600 + 5 + 64));
      pub.destroy();
    } finally {
      await tb.close();
    }
  });
});

describe('deadlines across a restart', () => {
  test('a delayed will and the session expiry continue from their deadlines after a restart [MQTT-3.1.3-9] [MQTT-3.1.2-23]', async () => {
    const store: MapStore = createMapStore();
    const clock = new ManualClock();
    const first = await startWith(new MapPersistence(store), { clock: clock.now });
    const watcher = await rawSession(first.port, 5, 'will-watch', { subscribe: [{ topic: 'will/#', qos: 1 }], connect: stored });
    watcher.destroy();
    const dying = await rawSession(first.port, 5, 'will-owner', { connect: {
      clean: false,
      properties: { sessionExpiryInterval: 30 },
      will: { topic: 'will/gone', payload: Buffer.from('bye'), qos: 1, retain: false, properties: { willDelayInterval: 10 } },
    } });
    dying.destroy();
    await waitFor(() => first.broker.client('will-owner')?.connected === false, 2000, 'owner offline');
    await waitFor(() => store.sessions.get('will-owner')?.willDueAt !== undefined && store.sessions.get('will-owner')!.willDueAt! > 0, 2000, 'delayed will stored');
    const record = store.sessions.get('will-owner')!;
    assert.equal(record.willDueAt, record.disconnectedAt + 10_000);
    assert.equal(record.expiresAt, record.disconnectedAt + 30_000);
    // The first broker is never stopped before the second starts on the same store: as after a crash.
    clock.advance(6_000);
    const second = await startWith(new MapPersistence(store), { clock: clock.now });
    try {
      assert.equal(second.broker.client('will-owner')?.connected, false);
      clock.advance(3_000); // 9 s after the disconnect: not due yet
      await new Promise((r) => setTimeout(r, 250));
      assert.equal(second.broker.client('will-watch')?.queued, 0);
      clock.advance(1_500); // 10.5 s: the will is due
      await waitFor(() => second.broker.client('will-watch')?.queued === 1, 3000, 'the will queued for the watcher');
      clock.advance(20_000); // 30.5 s: the session has expired
      await waitFor(() => second.broker.client('will-owner') === undefined, 3000, 'the session expired at its deadline');
      assert.equal(store.sessions.has('will-owner'), false);
    } finally {
      await second.close();
      await first.close();
    }
  });
});
