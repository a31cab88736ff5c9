// The exported Persistence contract, run against every durable implementation: LMDB in a temporary folder, Redis on
// a real redis-server started here, and the example MapPersistence.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { persistenceContract } from '../../src/persistence/persistence-contract.js';
import { LmdbPersistence, RedisPersistence } from '../../src/index.js';
import { createMapStore, MapPersistence } from '../../examples/gomqtt-backend.js';
import type { MapStore } from '../../examples/gomqtt-backend.js';
import { startRedisServer } from '../helpers/redis-server.js';
import type { RedisServer } from '../helpers/redis-server.js';

const root = mkdtempSync(join(tmpdir(), 'swiftlet-contract-'));
let lmdbRound = 0;
let lmdbPath = join(root, 'lmdb-0');
after(() => rmSync(root, { recursive: true, force: true }));

persistenceContract({
  name: 'LmdbPersistence',
  create: () => new LmdbPersistence({ path: lmdbPath }),
  reset: () => {
    lmdbPath = join(root, `lmdb-${++lmdbRound}`);
    return Promise.resolve();
  },
});

let redis: RedisServer | undefined;
let admin: Redis | undefined;
before(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url, { lazyConnect: true });
  await admin.connect();
});
after(async () => {
  await admin?.quit();
  await redis?.destroy();
});

persistenceContract({
  name: 'RedisPersistence',
  create: () => new RedisPersistence({ url: redis!.url, keyPrefix: 'contract' }),
  reset: async () => {
    await admin!.flushall();
  },
});

let store: MapStore = createMapStore();
persistenceContract({
  name: 'MapPersistence (examples/gomqtt-backend.ts)',
  create: () => new MapPersistence(store),
  reset: () => {
    store = createMapStore();
    return Promise.resolve();
  },
});
