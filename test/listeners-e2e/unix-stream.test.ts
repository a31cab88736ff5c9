// End to end over a Unix domain socket and over in-memory streams handed to a StreamListener, with MQTT.js.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { StreamListener, UnixListener } from '../../src/index.js';
import { connectStream, connectUrl, endClient, RecordingAuth, roundTrip, startBroker, subscribe, waitFor } from './helpers.js';

/** Two in-memory Duplex ends: bytes written to one are read from the other; destroying one ends both. */
function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) other.destroy();
        callback(error);
      },
    });
  ends.push(make(() => ends[1] as Duplex), make(() => ends[0] as Duplex));
  return [ends[0] as Duplex, ends[1] as Duplex];
}

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
    const b = await startBroker([listener], [auth]);
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
    const b = await startBroker([listener], [auth]);
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
      await waitFor(() => listener.stats().open === 1, 'the closed pair to be counted');
      await waitFor(() => b.broker.client('mem-pub')?.connected !== true, 'the broker to see mem-pub go');
      assert.equal(b.broker.client('mem-sub')?.connected, true);
    } finally {
      await b.close();
    }
  });
});
