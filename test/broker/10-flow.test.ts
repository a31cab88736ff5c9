// Flow control and memory: a stalled subscriber does not hold up a healthy one, and the broker's memory stays bounded.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PacketType } from '../../src/index.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { rawSession } from '../helpers/raw-session.js';
import { bufferBytes } from '../helpers/memory.js';

/** Counts PUBLISH packets arriving at a raw client and lets a test await a count (no polling). */
function counter(c: RawClient): { count: () => number; reach: (n: number, timeoutMs: number) => Promise<void>; payloads: string[] } {
  let n = 0;
  const payloads: string[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  const pump = async (): Promise<void> => {
    for (;;) {
      const p = await c.next(60_000).catch(() => undefined);
      if (p === undefined) return;
      if (p.type !== PacketType.PUBLISH) continue;
      n++;
      if (p.qos === 1) c.send({ type: PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
      if (payloads.length < 10_000 && p.payload.length < 16) payloads.push(p.payload.toString());
      if (waiter !== undefined && n >= waiter.n) {
        const w = waiter;
        waiter = undefined;
        w.resolve();
      }
    }
  };
  void pump();
  return {
    count: () => n,
    payloads,
    reach: (target, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        if (n >= target) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${n} of ${target} messages within ${timeoutMs} ms`)), timeoutMs);
        waiter = {
          n: target,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      }),
  };
}


describe('flow control', () => {
  let tb: TestBroker;
  before(async () => {
    tb = await startBroker({ sysInterval: 0, capabilities: { outboundHighWaterMark: 256 * 1024 } });
  });
  after(async () => {
    await tb.close();
  });

  test('a stalled subscriber (socket never read) does not slow a healthy one; QoS 0 to it is dropped and counted; memory stays bounded', async () => {
    const stalled = await rawSession(tb.port, 4, 'stalled', { subscribe: [{ topic: 'flow/q0', qos: 0 }] });
    stalled.socket.pause();
    const healthy = await rawSession(tb.port, 5, 'healthy', { subscribe: [{ topic: 'flow/q0', qos: 0 }] });
    const got = counter(healthy);
    const payload = Buffer.alloc(8192, 0x61);
    const droppedBefore = tb.broker.stats.messagesDropped ?? 0;
    const buffersBefore = await bufferBytes();
    const rssBefore = process.memoryUsage().rss;
    const batches = 400;
    const perBatch = 25; // 200 KiB per batch, below the high-water mark, so the healthy socket never counts as congested
    for (let b = 0; b < batches; b++) {
      for (let i = 0; i < perBatch; i++) tb.broker.publish('flow/q0', payload);
      // Generous: every batch must reach the healthy subscriber within 5 s while the stalled one reads nothing.
      await got.reach((b + 1) * perBatch, 5000);
    }
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    const bufferGrowth = (await bufferBytes()) - buffersBefore;
    assert.equal(got.count(), batches * perBatch);
    const dropped = (tb.broker.stats.messagesDropped ?? 0) - droppedBefore;
    assert.ok(dropped > 0, 'nothing was dropped for the stalled subscriber');
    assert.equal(tb.broker.client('stalled')?.dropped, dropped);
    assert.equal(tb.broker.client('healthy')?.dropped, 0);
    // 80 MiB went out: a broker buffering it for the stalled socket would hold about that much in Buffers.
    // What it may hold is the high-water mark plus what the kernel took; rss gets a generous bound (garbage counts there).
    assert.ok(bufferGrowth < 16 * 1024 * 1024, `buffers grew by ${Math.round(bufferGrowth / 1048576)} MiB`);
    assert.ok(rssGrowth < 200 * 1024 * 1024, `rss grew by ${Math.round(rssGrowth / 1048576)} MiB`);
    stalled.destroy();
    healthy.destroy();
  });

  test('QoS 1 to a paused subscriber is held, not dropped, and arrives in order once it reads again [MQTT-4.6.0-6]', async () => {
    const slow = await rawSession(tb.port, 4, 'slow-q1', { subscribe: [{ topic: 'flow/q1', qos: 1 }] });
    slow.socket.pause();
    const big = Buffer.alloc(4096, 0x62);
    for (let i = 0; i < 400; i++) {
      // A short, numbered payload every 8th message lets the test check the order.
      tb.broker.publish('flow/q1', i % 8 === 0 ? String(i) : big, { qos: 1 });
    }
    const snap = tb.broker.client('slow-q1')!;
    assert.equal(snap.dropped, 0);
    assert.ok(snap.queued + snap.inflight === 400, `queued ${snap.queued} + inflight ${snap.inflight}`);
    const got = counter(slow);
    slow.socket.resume();
    await got.reach(400, 10_000);
    assert.deepEqual(got.payloads, Array.from({ length: 50 }, (_v, k) => String(k * 8)));
    assert.equal(tb.broker.client('slow-q1')?.dropped, 0);
    slow.destroy();
  });
});
