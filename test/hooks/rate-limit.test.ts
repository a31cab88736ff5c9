// RateLimit: token buckets per client with an injected clock (no timing assertions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimit } from '../../src/hooks/builtin/rate-limit.js';
import { HookRejection } from '../../src/hooks/hook.js';
import { PacketType } from '../../src/codec/types.js';
import type { PublishPacket } from '../../src/codec/types.js';
import { createClient } from './helpers.js';

function publish(bytes: number): PublishPacket {
  return { type: PacketType.PUBLISH, dup: false, qos: 1, retain: false, topic: 't', packetId: 1, payload: Buffer.alloc(bytes), properties: {} };
}

function rejection(fn: () => unknown): HookRejection {
  try {
    fn();
  } catch (err) {
    if (err instanceof HookRejection) return err;
    throw err;
  }
  assert.fail('expected a HookRejection');
}

test('message rate: the bucket empties, refills with time, and refuses with 0x97 in reason mode', () => {
  let now = 0;
  const limit = new RateLimit({ publishPerSecond: 2, now: () => now });
  const c = createClient();
  limit.onPublish(c, publish(1));
  limit.onPublish(c, publish(1));
  const err = rejection(() => limit.onPublish(c, publish(1)));
  assert.equal(err.reasonCode, 0x97);
  assert.equal(err.disconnect, false);
  now += 500; // half a second = one token
  limit.onPublish(c, publish(1));
  assert.throws(() => limit.onPublish(c, publish(1)), HookRejection);
  // Another client has its own bucket.
  limit.onPublish(createClient({ id: 'c2' }), publish(1));
});

test('message rate in disconnect mode → 0x96 with disconnect', () => {
  const limit = new RateLimit({ publishPerSecond: 1, action: 'disconnect', now: () => 0 });
  const c = createClient();
  limit.onPublish(c, publish(1));
  const err = rejection(() => limit.onPublish(c, publish(1)));
  assert.deepEqual([err.reasonCode, err.disconnect], [0x96, true]);
});

test('byte rate → 0x97; burst scales the bucket; inline client is never limited', () => {
  const limit = new RateLimit({ publishBytesPerSecond: 100, burst: 2, now: () => 0 });
  const c = createClient();
  limit.onPublish(c, publish(150));
  const err = rejection(() => limit.onPublish(c, publish(60)));
  assert.equal(err.reasonCode, 0x97);
  limit.onPublish(c, publish(50));
  for (let i = 0; i < 10; i++) limit.onPublish(null, publish(1000));
  for (let i = 0; i < 10; i++) limit.onPublish(createClient({ id: 'inline', inline: true }), publish(1000));
});

test('state is dropped on disconnect', () => {
  const limit = new RateLimit({ publishPerSecond: 1, now: () => 0 });
  const c = createClient();
  limit.onPublish(c, publish(1));
  assert.equal(limit.trackedClients, 1);
  limit.onDisconnected(c);
  assert.equal(limit.trackedClients, 0);
  limit.onPublish(c, publish(1));
});

test('invalid options throw', () => {
  assert.throws(() => new RateLimit({ publishPerSecond: 0 }), RangeError);
  assert.throws(() => new RateLimit({ burst: -1 }), RangeError);
});
