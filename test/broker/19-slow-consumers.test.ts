// Slow and stalled consumers: subscribers that never read their socket, at QoS 0, 1 and 2, cost the broker bounded
// memory, their losses are counted, a client that reads nothing is closed after outboundStallTimeout, and a healthy
// subscriber on the same topics receives everything.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { MqttClient } from 'mqtt';
import { PacketType } from '../../src/index.js';
import type { BrokerLogger, ClientInfo, DisconnectInfo } from '../../src/index.js';
import { connectClient, endClient, startBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { rawSession } from '../helpers/raw-session.js';
import { bufferBytes } from '../helpers/memory.js';


/** A hook that reports disconnections: `of(id)` resolves with the DisconnectInfo once client `id` is gone. */
function disconnections(): { hook: { id: string; onDisconnected: (c: ClientInfo, i: DisconnectInfo) => void }; of: (id: string) => Promise<DisconnectInfo> } {
  const waiting = new Map<string, (info: DisconnectInfo) => void>();
  return {
    hook: { id: 'disconnections', onDisconnected: (c, info) => waiting.get(c.id)?.(info) },
    of: (id) => new Promise((resolve) => waiting.set(id, resolve)),
  };
}

/** Counts the messages an MQTT.js client receives; `reach(n)` resolves once it has n. */
function received(client: MqttClient): { count: () => number; bytes: () => number; reach: (n: number) => Promise<void> } {
  let n = 0;
  let bytes = 0;
  let waiter: { n: number; resolve: () => void } | undefined;
  client.on('message', (_t, payload) => {
    n++;
    bytes += payload.length;
    if (waiter !== undefined && n >= waiter.n) {
      const w = waiter;
      waiter = undefined;
      w.resolve();
    }
  });
  return {
    count: () => n,
    bytes: () => bytes,
    reach: (target) => new Promise<void>((resolve) => (n >= target ? resolve() : (waiter = { n: target, resolve }))),
  };
}

/** Publishes `count` messages of `payload` at `qos` from an MQTT.js client, `window` unacknowledged at a time. */
async function publishMany(client: MqttClient, topic: string, payload: Buffer, count: number, qos: 0 | 1 | 2, window = 64): Promise<void> {
  let sent = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      client.publish(topic, payload, { qos }, (err) => (err ? reject(err) : resolve()));
    });
  const lanes = Array.from({ length: window }, async () => {
    while (sent < count) {
      sent++;
      await one();
    }
  });
  await Promise.all(lanes);
}

/** A logger that keeps the warn lines (object and message). */
function warnLog(): { logger: BrokerLogger; warnings: { obj: Record<string, unknown>; msg: string | undefined }[] } {
  const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const none = (): void => undefined;
  return { warnings, logger: { debug: none, info: none, error: none, warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) } };
}

describe('slow and stalled consumers', () => {
  test('stalled subscribers at QoS 0, 1 and 2 (3.1.1 and 5.0) cost bounded memory and have their losses counted; a healthy QoS 2 subscriber gets all 32 MiB', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { outboundHighWaterMark: 256 * 1024, maximumQueuedMessages: 200, maximumInflight: 64, outboundStallTimeout: 0 } });
    try {
      const stalled: RawClient[] = [];
      let n = 0;
      for (const version of [4, 5] as const) {
        for (const qos of [0, 1, 2] as const) {
          const c = await rawSession(tb.port, version, `stalled-${version}-${qos}`, { subscribe: [{ topic: 'slow/#', qos }] });
          c.socket.pause();
          stalled.push(c);
          n++;
        }
      }
      assert.equal(n, 6);
      const healthy = await connectClient(tb.port, { clientId: 'healthy', protocolVersion: 5 });
      await healthy.subscribeAsync('slow/#', { qos: 2 });
      const got = received(healthy);
      const publisher = await connectClient(tb.port, { clientId: 'publisher', protocolVersion: 5 });

      const buffersBefore = await bufferBytes();
      const rssBefore = process.memoryUsage().rss;
      const payload = Buffer.alloc(8192, 0x61);
      const batch = 64;
      const count = 64 * batch; // 32 MiB, to each of seven subscribers
      for (let sent = batch; sent <= count; sent += batch) {
        // Paced by the healthy subscriber, so its own queue never reaches the bound.
        await publishMany(publisher, 'slow/data', payload, batch, 2);
        await got.reach(sent);
      }
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      const bufferGrowth = (await bufferBytes()) - buffersBefore;

      assert.equal(got.count(), count);
      assert.equal(got.bytes(), count * payload.length);
      assert.equal(tb.broker.client('healthy')?.dropped, 0);
      const stats = tb.broker.detailedStats().droppedByReason;
      for (const version of [4, 5]) {
        const q0 = tb.broker.client(`stalled-${version}-0`)!;
        assert.ok(q0.dropped > count / 2, `QoS 0 subscriber ${version}: only ${q0.dropped} dropped`);
        for (const qos of [1, 2]) {
          const s = tb.broker.client(`stalled-${version}-${qos}`)!;
          // Bounded: at most the in-flight window and the queue bound are kept; everything else is dropped and counted.
          assert.ok(s.inflight <= 64, `inflight ${s.inflight}`);
          assert.ok(s.queued <= 200, `queued ${s.queued}`);
          assert.equal(s.inflight + s.queued + s.dropped, count, `QoS ${qos} subscriber ${version}: ${s.inflight} + ${s.queued} + ${s.dropped}`);
          assert.ok(s.dropped > 0);
        }
      }
      assert.ok(stats.congested! > count, `congested drops ${stats.congested}`);
      assert.ok(stats['queue-full']! > count, `queue-full drops ${stats['queue-full']}`);
      // 6 × 32 MiB went to stalled subscribers. What the broker may hold is, per stalled socket, the high-water mark
      // plus one flush, and for QoS 1/2 the payloads the window and the queue reference (shared between them, 2 MiB
      // at most here); rss gets a generous bound because garbage counts there.
      assert.ok(bufferGrowth < 24 * 1024 * 1024, `buffers grew by ${(bufferGrowth / 1048576).toFixed(1)} MiB`);
      assert.ok(rssGrowth < 256 * 1024 * 1024, `rss grew by ${(rssGrowth / 1048576).toFixed(1)} MiB`);
      assert.ok(tb.broker.stats.outboundBufferedBytes! <= 6 * (256 * 1024 + 64 * 1024), `outbound buffered ${tb.broker.stats.outboundBufferedBytes}`);

      const gone = stalled.map((c) => c.closed);
      for (const c of stalled) c.destroy();
      await Promise.all(gone);
      await endClient(healthy);
      await endClient(publisher);
    } finally {
      await tb.close();
    }
    // Every connection gave its share of the gauge back.
    assert.equal(tb.broker.stats.outboundBufferedBytes, 0);
  });

  test('a subscriber that reads nothing is closed after outboundStallTimeout and counted; a healthy one on the same topic stays', async () => {
    const watch = disconnections();
    const { logger, warnings } = warnLog();
    const tb = await startBroker({ sysInterval: 0, logger, capabilities: { outboundHighWaterMark: 64 * 1024, outboundStallTimeout: 300 } }, (b) => void b.addHook(watch.hook));
    try {
      const stalled = await rawSession(tb.port, 5, 'stalled', { subscribe: [{ topic: 'stall/#', qos: 1 }] });
      stalled.socket.pause();
      const stalledGone = watch.of('stalled');
      const healthy = await connectClient(tb.port, { clientId: 'healthy', protocolVersion: 5 });
      await healthy.subscribeAsync('stall/#', { qos: 1 });
      const got = received(healthy);
      const publisher = await connectClient(tb.port, { clientId: 'publisher', protocolVersion: 5 });
      const payload = Buffer.alloc(16 * 1024, 0x62);
      // Publish until the stalled subscriber is closed: the kernel buffers take a few MiB before the socket pushes back.
      let closed = false;
      void stalledGone.then(() => (closed = true));
      let sent = 0;
      while (!closed) {
        await publishMany(publisher, 'stall/data', payload, 64, 1, 16);
        sent += 64;
        await got.reach(sent);
        assert.ok(sent < 200_000, 'the stalled subscriber was never closed');
      }
      const info = await stalledGone;
      assert.equal(info.byServer, true);
      assert.equal(info.reasonCode, 0x97);
      assert.equal(tb.broker.stats.stalledDisconnects, 1);
      const line = warnings.find((w) => w.msg === 'closing a connection whose client reads nothing');
      assert.ok(line !== undefined);
      assert.equal(line.obj.clientId, 'stalled');
      // The healthy subscriber is still connected and gets what comes next.
      await publishMany(publisher, 'stall/data', payload, 10, 1);
      await got.reach(sent + 10);
      assert.equal(got.count(), sent + 10);
      assert.equal(tb.broker.client('healthy')?.connected, true);
      stalled.destroy();
      await endClient(healthy);
      await endClient(publisher);
    } finally {
      await tb.close();
    }
  });

  test('a client that sends and never reads cannot make the broker buffer the answers: reading it pauses at the high-water mark', async () => {
    const watch = disconnections();
    const { logger, warnings } = warnLog();
    const hwm = 64 * 1024;
    const tb = await startBroker({ sysInterval: 0, logger, capabilities: { outboundHighWaterMark: hwm, outboundStallTimeout: 1000 } }, (b) => void b.addHook(watch.hook));
    try {
      const flooder = await rawSession(tb.port, 4, 'flooder');
      flooder.socket.pause();
      const gone = watch.of('flooder');
      // 64 MiB of PINGREQ (32 Mi packets, each answered by a 2-byte PINGRESP) handed to the socket at once.
      const pings = Buffer.alloc(64 * 1024 * 1024);
      for (let i = 0; i < pings.length; i += 2) pings[i] = PacketType.PINGREQ << 4;
      flooder.socket.write(pings);
      const info = await gone;
      assert.equal(info.reasonCode, 0x97);
      const line = warnings.find((w) => w.msg === 'closing a connection whose client reads nothing');
      assert.ok(line !== undefined);
      // What was left unread is the high-water mark plus the answers to one read chunk, not the answers to all.
      const unread = line.obj.unreadBytes as number;
      assert.ok(unread <= hwm + 256 * 1024, `${unread} bytes buffered for a client that reads nothing`);
      assert.ok(tb.broker.stats.bytesReceived! < pings.length / 2, `the broker read ${tb.broker.stats.bytesReceived} bytes`);
      flooder.destroy();
    } finally {
      await tb.close();
    }
  });

  test('maximumOutboundBytes: past the total, a socket that pushes back counts as congested below its own high-water mark; the gauge returns to 0', async () => {
    const tb = await startBroker({ sysInterval: 0, capabilities: { outboundHighWaterMark: 64 * 1024 * 1024, maximumOutboundBytes: 128 * 1024, outboundStallTimeout: 0 } });
    try {
      const stalled = await rawSession(tb.port, 5, 'stalled', { subscribe: [{ topic: 'total/#', qos: 0 }] });
      stalled.socket.pause();
      const payload = Buffer.alloc(64 * 1024, 0x63);
      for (let i = 0; i < 1024; i++) {
        // One per event-loop turn: each is flushed on its own, as messages from clients are.
        tb.broker.publish('total/x', payload); // 64 MiB in all
        await new Promise((r) => setImmediate(r));
      }
      const dropped = tb.broker.detailedStats().droppedByReason.congested!;
      assert.ok(dropped > 0, 'nothing was dropped');
      assert.equal(tb.broker.client('stalled')?.dropped, dropped);
      const buffered = tb.broker.stats.outboundBufferedBytes!;
      assert.ok(buffered > 0 && buffered < 64 * 1024 * 1024, `outbound buffered ${buffered}`);
      const closed = stalled.closed;
      stalled.destroy();
      await closed;
      await new Promise<void>((resolve) => {
        const wait = (): void => (tb.broker.client('stalled')?.connected !== true ? resolve() : void setImmediate(wait));
        wait();
      });
      assert.equal(tb.broker.stats.outboundBufferedBytes, 0);
    } finally {
      await tb.close();
    }
  });
});
