// End to end over a Unix domain socket and over in-memory streams handed to a StreamListener, with MQTT.js.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { StreamListener, UnixListener } from '../../src/index.js';
import { endClient, waitFor } from '../helpers/broker.js';
import { connectStream, connectUrl, RecordingAuth, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import { duplexPair } from '../listeners/helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftlet-e2e-unix-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('Unix domain socket end to end', () => {
  it('round trips between a 3.1.1 client (unixSocket option) and a 5.0 client (net.connect stream)', async () => {
    const path = join(dir, 'broker.sock');
    const listener = new UnixListener({ path });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const v4 = await connectUrl(b, 'mqtt://localhost', { unixSocket: true, path, protocolVersion: 4, clientId: 'unix-v4' });
      const v5 = await connectStream(b, () => net.connect({ path }), { protocolVersion: 5, clientId: 'unix-v5' });
      await subscribe(v4, 'e2e/unix/to-v4');
      await subscribe(v5, 'e2e/unix/to-v5');
      assert.equal((await roundTrip(v4, v5, 'e2e/unix/to-v5', 'over a socket file')).toString(), 'over a socket file');
      assert.equal((await roundTrip(v5, v4, 'e2e/unix/to-v4', 'and back')).toString(), 'and back');
      const info = auth.clientFor('unix-v4');
      assert.equal(info.transport, 'unix');
      assert.equal(info.listenerId, 'unix');
      assert.equal(info.remoteAddress, '');
      assert.equal(listener.stats().accepted, 2);
    } finally {
      await b.close();
    }
    assert.equal(existsSync(path), false, 'the socket file is removed when the broker closes');
  });
});

describe('StreamListener end to end', () => {
  it('serves MQTT.js clients over in-memory duplex pairs', async () => {
    const listener = new StreamListener({ id: 'memory' });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      let n = 0;
      const build = (): Duplex => {
        const [clientEnd, brokerEnd] = duplexPair();
        listener.accept(brokerEnd, { remoteAddress: `pipe-${++n}` });
        return clientEnd;
      };
      const sub = await connectStream(b, build, { protocolVersion: 5, clientId: 'mem-sub' });
      const pub = await connectStream(b, build, { protocolVersion: 4, clientId: 'mem-pub' });
      await subscribe(sub, 'e2e/memory');
      assert.equal((await roundTrip(pub, sub, 'e2e/memory', 'no sockets', { qos: 2 })).toString(), 'no sockets');
      const info = auth.clientFor('mem-pub');
      assert.equal(info.transport, 'stream');
      assert.equal(info.listenerId, 'memory');
      assert.equal(info.remoteAddress, 'pipe-2');
      assert.deepEqual(listener.stats(), { accepted: 2, refused: { maxConnections: 0, rate: 0, addressRate: 0, proxy: 0 }, open: 2 });
      await endClient(pub);
      await waitFor(() => listener.stats().open === 1, 5000, 'the closed pair to be counted');
      await waitFor(() => b.broker.client('mem-pub')?.connected !== true, 5000, 'the broker to see mem-pub go');
      assert.equal(b.broker.client('mem-sub')?.connected, true);
    } finally {
      await b.close();
    }
  });
});
