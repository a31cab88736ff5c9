// What the retained store writes to durable storage and takes back at start: `$SYS` values are never written and never
// restored (they describe the running broker), and records that expired while the broker was down are deleted.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbPersistence, PacketType } from '../../src/index.js';
import type { PublishPacket } from '../../src/index.js';
import { MapPersistence } from '../../examples/gomqtt-backend.js';
import { createMessage } from '../../src/routing/message.js';
import { messageRecord } from '../../src/routing/message.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import type { RawClient } from '../helpers/raw-client.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { publishesBeforePong, rawSession } from '../helpers/raw-session.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-retained-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The retained topics stored in the LMDB database at `path` (opened and closed again). */
async function storedTopics(path: string): Promise<string[]> {
  const lmdb = new LmdbPersistence({ path });
  const state = await lmdb.open();
  await lmdb.close();
  return state.retained.map((r) => r.topic).sort();
}

/** Subscribes to `filter` and returns the PUBLISH packets that arrive before the answer to a PINGREQ. */
async function retainedFor(c: RawClient, filter: string): Promise<PublishPacket[]> {
  c.send(subscribePacket(1, [{ topic: filter, qos: 0 }]));
  await c.expect(PacketType.SUBACK);
  return publishesBeforePong(c);
}

function startOn(path: string, sysInterval: number): Promise<TestBroker> {
  return startBroker({ sysInterval }, (b) => b.setPersistence(new LmdbPersistence({ path })));
}

describe('$SYS and durable storage', () => {
  test('$SYS values are never written to storage, and a restart does not bring them back', async () => {
    const path = tempDir();
    const first = await startOn(path, 10); // publishes $SYS at start
    try {
      first.broker.publishSys();
      assert.ok(first.broker.retainedMessage('$SYS/broker/version') !== undefined, '$SYS is retained in memory');
      const pub = await rawSession(first.port, 4, 'sys-store-pub');
      pub.send(publishPacket('app/state', 'on', 0, 0, { retain: true }));
      pub.send({ type: PacketType.PINGREQ });
      await pub.expect(PacketType.PINGRESP);
      pub.destroy();
    } finally {
      await first.close();
    }
    assert.deepEqual(await storedTopics(path), ['app/state']);

    const second = await startOn(path, 0); // $SYS off: anything under $SYS could only come from storage
    try {
      assert.equal(second.broker.retainedMessage('$SYS/broker/version'), undefined);
      assert.equal(second.broker.retainedMessage('app/state')?.payload.toString(), 'on');
      const c = await rawSession(second.port, 5, 'sys-store-sub');
      assert.deepEqual(await retainedFor(c, '$SYS/#'), []);
      c.destroy();
    } finally {
      await second.close();
    }
  });

  test('$SYS values an older version stored are deleted at start, never restored as stale values', async () => {
    const path = tempDir();
    const seeded = new LmdbPersistence({ path });
    await seeded.open();
    seeded.saveRetained(messageRecord(createMessage('$SYS/broker/uptime', Buffer.from('999999'), 0, true, {}, null, 0)));
    seeded.saveRetained(messageRecord(createMessage('$SYS/broker/clients/connected', Buffer.from('42'), 0, true, {}, null, 0)));
    seeded.saveRetained(messageRecord(createMessage('app/state', Buffer.from('on'), 0, true, {}, null, 0)));
    await seeded.close();

    const tb = await startOn(path, 10); // $SYS on: the values must be this broker's own
    try {
      const c = await rawSession(tb.port, 5, 'stale-sys-sub');
      const got = await retainedFor(c, '$SYS/broker/uptime');
      assert.equal(got.length, 1);
      assert.ok(Number(got[0]!.payload.toString()) < 100, `uptime is fresh, not the stored 999999: ${got[0]!.payload.toString()}`);
      assert.equal(tb.broker.retainedMessage('$SYS/broker/clients/connected')?.payload.toString(), '0');
      assert.equal(tb.broker.retainedMessage('app/state')?.payload.toString(), 'on');
      c.destroy();
    } finally {
      await tb.close();
    }
    assert.deepEqual(await storedTopics(path), ['app/state'], 'the stale $SYS records are deleted');
  });
});

test('retained records that expired while the broker was down are deleted from storage at start [MQTT-3.3.2-5]', async () => {
  const persistence = new MapPersistence();
  const now = Date.now();
  persistence.saveRetained(createMessage('down/expired', Buffer.from('old'), 1, true, { messageExpiryInterval: 1 }, null, now - 1000));
  persistence.saveRetained(createMessage('down/live', Buffer.from('new'), 1, true, { messageExpiryInterval: 3600 }, null, now + 3_600_000));
  const tb = await startBroker({ sysInterval: 0 }, (b) => b.setPersistence(persistence));
  try {
    assert.deepEqual([...persistence.store.retained.keys()], ['down/live']);
    assert.deepEqual(tb.broker.retained('down/#').map((r) => r.topic), ['down/live']);
    assert.equal(tb.broker.stats.retainedMessages, 1);
  } finally {
    await tb.close();
  }
});
