// RedisPersistence against a real redis-server started here (the record contract is in contract.test.ts): a commit
// while Redis is down rejects and keeps its changes, which the first commit after Redis returns writes; stores that
// are not Swiftlet's are refused; a connection that cannot be made fails open() with a clear error.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { RedisPersistence } from '../../src/index.js';
import type { SwiftletError } from '../../src/index.js';
import { freePort } from '../helpers/ports.js';
import { startRedisServer } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

let server: RedisServer;
before(async () => {
  server = await startRedisServer();
});
after(async () => {
  await server.destroy();
});

function retained(topic: string, text: string) {
  return { topic, payload: Buffer.from(text), qos: 1 as const, retain: true, properties: {}, origin: null, expiresAt: 0 };
}

describe('RedisPersistence', () => {
  test('a commit while Redis is down rejects and keeps its changes; after Redis returns the next commit writes them all', async () => {
    const p = new RedisPersistence({ url: server.url, keyPrefix: 'outage' });
    await p.open();
    p.saveRetained(retained('o/1', 'before'));
    await p.commit();
    await server.stop('SIGKILL');
    p.saveRetained(retained('o/2', 'during'));
    p.deleteRetained('o/1');
    await assert.rejects(p.commit(), (err: SwiftletError) => {
      assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_UNAVAILABLE');
      return true;
    });
    await server.restart();
    p.saveRetained(retained('o/3', 'after'));
    // ioredis reconnects by itself; commits fail until it has.
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await p.commit();
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    await p.close();
    const again = new RedisPersistence({ url: server.url, keyPrefix: 'outage' });
    const state = await again.open();
    assert.deepEqual(state.retained.map((r) => `${r.topic}=${r.payload.toString()}`).sort(), ['o/2=during', 'o/3=after']);
    await again.close();
  });

  test('keys of another program under the prefix, or another format marker, are refused', async () => {
    const admin = new Redis(server.url, { lazyConnect: true });
    await admin.connect();
    try {
      await admin.hset('{foreign}:sessions', 'x', 'not ours');
      await assert.rejects(new RedisPersistence({ url: server.url, keyPrefix: 'foreign' }).open(), (err: SwiftletError) => {
        assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_FORMAT');
        assert.match(err.message, /not a Swiftlet store/);
        return true;
      });
      await admin.set('{future}:meta', 'swiftlet:99');
      await assert.rejects(new RedisPersistence({ url: server.url, keyPrefix: 'future' }).open(), /holds "swiftlet:99", expected "swiftlet:2"/);
    } finally {
      await admin.quit();
    }
  });

  test('open() fails with a clear error when Redis cannot be reached', async () => {
    const port = await freePort();
    await assert.rejects(new RedisPersistence({ url: `redis://127.0.0.1:${port}`, connectTimeout: 1000 }).open(), (err: SwiftletError) => {
      assert.equal(err.code, 'SWIFTLET_ERR_STORAGE_UNAVAILABLE');
      assert.match(err.message, /cannot connect to Redis/);
      return true;
    });
  });

  test('only one of url, sentinel and cluster may be given', () => {
    assert.throws(() => new RedisPersistence({ url: 'redis://127.0.0.1:1', cluster: { nodes: [{ host: '127.0.0.1', port: 1 }] } }), /only one of url, sentinel and cluster/);
  });
});
