// End to end over WebSocket (ws:// and wss://) with MQTT.js and a raw `ws` client for exact frame layouts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RequestOptions } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import WebSocket from 'ws';
import { encodePacket, PacketType, Parser, WebSocketListener } from '../../src/index.js';
import type { Packet, ProtocolVersion } from '../../src/index.js';
import { connectPacket } from '../helpers/packets.js';
import { portOf } from '../helpers/ports.js';
import { connectUrl, createTestCertificates, nextMessage, RecordingAuth, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import type { TestCertificates } from './helpers.js';

/** A WebSocket speaking MQTT bytes with our codec: the test decides how packets map to frames. */
class RawWs {
  readonly packets: Packet[] = [];
  readonly ws: WebSocket;
  readonly #parser: Parser;
  #waiters: (() => void)[] = [];

  private constructor(ws: WebSocket, version: ProtocolVersion) {
    this.ws = ws;
    this.#parser = new Parser({ protocolVersion: version, onPacket: (p) => this.packets.push(p), onError: () => undefined });
    ws.on('message', (data: Buffer) => {
      this.#parser.push(data);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(url: string, protocols: string[], version: ProtocolVersion = 4): Promise<RawWs> {
    const ws = new WebSocket(url, protocols);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawWs(ws, version);
  }

  /** Sends each buffer as one binary frame. */
  frames(...chunks: Buffer[]): void {
    for (const chunk of chunks) this.ws.send(chunk, { binary: true });
  }

  /** Waits for the next packet of `type`, skipping nothing (the next packet must be it). */
  async expect<T extends Packet['type']>(type: T, timeoutMs = 3000): Promise<Extract<Packet, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    while (this.packets.length === 0) {
      if (Date.now() > deadline) throw new Error(`no packet of type ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const p = this.packets.shift() as Packet;
    assert.equal(p.type, type, `expected packet type ${type}, got ${p.type}`);
    return p as Extract<Packet, { type: T }>;
  }

  close(): void {
    this.ws.terminate();
  }
}

const encode = (p: Packet, version: ProtocolVersion = 4): Buffer => encodePacket(p, version);

/** Splits `bytes` into pieces at the given offsets. */
function split(bytes: Buffer, ...offsets: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const at of [...offsets, bytes.length]) {
    out.push(bytes.subarray(from, at));
    from = at;
  }
  return out;
}

const subscribePacket = (topic: string): Packet => ({
  type: PacketType.SUBSCRIBE,
  packetId: 1,
  subscriptions: [{ topic, qos: 0, noLocal: false, retainAsPublished: false, retainHandling: 0 }],
  properties: {},
});
const publishPacket = (topic: string, payload: Buffer): Packet => ({
  type: PacketType.PUBLISH,
  dup: false,
  qos: 0,
  retain: false,
  topic,
  packetId: 0,
  payload,
  properties: {},
});

let certs: TestCertificates;
before(() => {
  certs = createTestCertificates();
});
after(() => certs.remove());

describe('WebSocket end to end (ws://)', () => {
  it('an MQTT 3.1.1 and a 5.0 client on the same listener exchange messages both ways', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const url = `ws://127.0.0.1:${portOf(listener)}/mqtt`;
      const v4 = await connectUrl(b, url, { protocolVersion: 4, clientId: 'ws-v4' });
      const v5 = await connectUrl(b, url, { protocolVersion: 5, clientId: 'ws-v5' });
      await subscribe(v4, 'e2e/ws/to-v4');
      await subscribe(v5, 'e2e/ws/to-v5');
      assert.equal((await roundTrip(v4, v5, 'e2e/ws/to-v5', 'from 3.1.1')).toString(), 'from 3.1.1');
      assert.equal((await roundTrip(v5, v4, 'e2e/ws/to-v4', 'from 5.0', { qos: 2 })).toString(), 'from 5.0');
      for (const id of ['ws-v4', 'ws-v5']) {
        assert.equal(auth.clientFor(id).transport, 'ws');
        assert.equal(auth.clientFor(id).listenerId, 'ws');
        assert.equal(auth.clientFor(id).remoteAddress, '127.0.0.1');
      }
    } finally {
      await b.close();
    }
  });

  it('selects the "mqtt" subprotocol [MQTT-6.0.0-3] [MQTT-6.0.0-4]', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const b = await startBrokerOn([listener]);
    try {
      const url = `ws://127.0.0.1:${portOf(listener)}/mqtt`;
      for (const offered of [['mqtt'], ['mqttv3.1', 'mqtt']]) {
        const raw = await RawWs.open(url, offered);
        assert.equal(raw.ws.protocol, 'mqtt', `offered ${offered.join(',')}`);
        raw.frames(encode(connectPacket('sub-proto', 4)));
        assert.equal((await raw.expect(PacketType.CONNACK)).reasonCode, 0);
        raw.close();
      }
    } finally {
      await b.close();
    }
  });

  it('an MQTT 3.1 client gets the "mqttv3.1" subprotocol it offered and exchanges messages with a 5.0 client', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const b = await startBrokerOn([listener]);
    try {
      const url = `ws://127.0.0.1:${portOf(listener)}/mqtt`;
      const raw = await RawWs.open(url, ['mqttv3.1'], 3);
      assert.equal(raw.ws.protocol, 'mqttv3.1');
      raw.close();
      const v3 = await connectUrl(b, url, { protocolId: 'MQIsdp', protocolVersion: 3, clientId: 'ws-v3' });
      const v5 = await connectUrl(b, url, { protocolVersion: 5, clientId: 'ws-v5' });
      await subscribe(v3, 'e2e/ws/v3');
      assert.equal((await roundTrip(v5, v3, 'e2e/ws/v3', 'to 3.1')).toString(), 'to 3.1');
      assert.equal(b.broker.client('ws-v3')?.protocolVersion, 3);
    } finally {
      await b.close();
    }
  });

  it('reads packets split across frames and several packets in one frame [MQTT-6.0.0-2]', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const b = await startBrokerOn([listener]);
    try {
      const raw = await RawWs.open(`ws://127.0.0.1:${portOf(listener)}/mqtt`, ['mqtt'], 5);
      const connect = encode(connectPacket('frames', 5), 5);
      // One byte per frame for the CONNECT.
      raw.frames(...split(connect, ...Array.from({ length: connect.length - 1 }, (_, i) => i + 1)));
      assert.equal((await raw.expect(PacketType.CONNACK)).reasonCode, 0);
      // SUBSCRIBE and the start of a PUBLISH in one frame, the rest of the PUBLISH in the next.
      const both = Buffer.concat([encode(subscribePacket('e2e/frames'), 5), encode(publishPacket('e2e/frames', Buffer.from('glued')), 5)]);
      const subLength = encode(subscribePacket('e2e/frames'), 5).length;
      raw.frames(...split(both, subLength + 3));
      assert.deepEqual((await raw.expect(PacketType.SUBACK)).reasonCodes, [0]);
      assert.equal((await raw.expect(PacketType.PUBLISH)).payload.toString(), 'glued');
      raw.close();
    } finally {
      await b.close();
    }
  });

  it('closes the connection when a text frame arrives [MQTT-6.0.0-1]', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const b = await startBrokerOn([listener]);
    try {
      const raw = await RawWs.open(`ws://127.0.0.1:${portOf(listener)}/mqtt`, ['mqtt']);
      raw.frames(encode(connectPacket('texter', 4)));
      await raw.expect(PacketType.CONNACK);
      const closed = new Promise<number>((resolve) => raw.ws.once('close', (code: number) => resolve(code)));
      raw.ws.send(encode({ type: PacketType.PINGREQ }).toString('latin1'));
      assert.equal(await closed, 1003);
    } finally {
      await b.close();
    }
  });

  it('carries a 256 KiB payload between MQTT.js clients and from frames of odd sizes', async () => {
    const listener = new WebSocketListener({ port: 0 });
    const b = await startBrokerOn([listener]);
    try {
      const url = `ws://127.0.0.1:${portOf(listener)}/mqtt`;
      const big = randomBytes(256 * 1024);
      const sub = await connectUrl(b, url, { protocolVersion: 4, clientId: 'big-sub' });
      const pub = await connectUrl(b, url, { protocolVersion: 5, clientId: 'big-pub' });
      await subscribe(sub, 'e2e/big');
      assert.ok((await roundTrip(pub, sub, 'e2e/big', big)).equals(big), 'MQTT.js to MQTT.js');

      const raw = await RawWs.open(url, ['mqtt']);
      raw.frames(encode(connectPacket('big-raw', 4)));
      await raw.expect(PacketType.CONNACK);
      const got = nextMessage(sub, 'e2e/big');
      const packet = encode(publishPacket('e2e/big', big));
      raw.frames(...split(packet, 1, 3, 70_001, 200_000));
      assert.ok((await got).equals(big), 'raw frames of 1, 2, ~70k, ~130k and ~62k bytes');
      raw.close();
    } finally {
      await b.close();
    }
  });
});

describe('WebSocket end to end (wss://)', () => {
  it('round trips over wss with the server certificate verified against the test CA', async () => {
    const listener = new WebSocketListener({ port: 0, tls: { cert: certs.serverCert, key: certs.serverKey } });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const url = `wss://127.0.0.1:${portOf(listener)}/mqtt`;
      const sub = await connectUrl(b, url, { protocolVersion: 5, clientId: 'wss-sub', ca: certs.caCert, rejectUnauthorized: true });
      const pub = await connectUrl(b, url, { protocolVersion: 4, clientId: 'wss-pub', ca: certs.caCert, rejectUnauthorized: true });
      await subscribe(sub, 'e2e/wss');
      assert.equal((await roundTrip(pub, sub, 'e2e/wss', 'secure')).toString(), 'secure');
      assert.equal(auth.clientFor('wss-pub').transport, 'wss');
      assert.equal(auth.clientFor('wss-pub').listenerId, 'wss');
      await assert.rejects(connectUrl(b, url, { clientId: 'untrusting', rejectUnauthorized: true }));
    } finally {
      await b.close();
    }
  });

  it('reloadCertificates keeps a wss client publishing while a new client sees the new certificate', async () => {
    const certFile = join(certs.dir, 'wss-reload.crt');
    const keyFile = join(certs.dir, 'wss-reload.key');
    writeFileSync(certFile, certs.serverCert);
    writeFileSync(keyFile, certs.serverKey);
    const listener = new WebSocketListener({ port: 0, tls: { certFile, keyFile } });
    const b = await startBrokerOn([listener]);
    try {
      const url = `wss://127.0.0.1:${portOf(listener)}/mqtt`;
      // Records the server certificate each handshake saw, and still verifies the host name.
      const seen: string[] = [];
      const wsOptions: RequestOptions = {
        ca: certs.caCert,
        checkServerIdentity: (host: string, cert: PeerCertificate) => {
          seen.push(String(cert.subject.CN));
          return checkServerIdentity(host, cert);
        },
      };
      const old = await connectUrl(b, url, { protocolVersion: 5, clientId: 'wss-old', wsOptions });
      await subscribe(old, 'e2e/wss-reload/to-old');
      const next = certs.issueServer('wss-reloaded');
      writeFileSync(certFile, next.cert);
      writeFileSync(keyFile, next.key);
      await listener.reloadCertificates();
      const fresh = await connectUrl(b, url, { protocolVersion: 4, clientId: 'wss-fresh', wsOptions });
      assert.deepEqual(seen, ['localhost', 'wss-reloaded']);
      await subscribe(fresh, 'e2e/wss-reload/to-fresh');
      assert.equal((await roundTrip(old, fresh, 'e2e/wss-reload/to-fresh', 'old to new')).toString(), 'old to new');
      assert.equal((await roundTrip(fresh, old, 'e2e/wss-reload/to-old', 'new to old')).toString(), 'new to old');
    } finally {
      await b.close();
    }
  });

  it('hands a wss client certificate to the authenticate hook', async () => {
    const listener = new WebSocketListener({
      port: 0,
      tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, clientCertificates: 'required' },
    });
    const auth = new RecordingAuth();
    const b = await startBrokerOn([listener], [auth]);
    try {
      const url = `wss://127.0.0.1:${portOf(listener)}/mqtt`;
      const client = await connectUrl(b, url, { protocolVersion: 5, clientId: 'wss-cert', ca: certs.caCert, cert: certs.clientCert, key: certs.clientKey });
      await subscribe(client, 'e2e/wss-cert');
      assert.equal((await roundTrip(client, client, 'e2e/wss-cert', 'me')).toString(), 'me');
      const info = auth.clientFor('wss-cert');
      assert.equal(info.certificate?.commonName, 'device-1');
      assert.equal(info.certificate.authorized, true);
      await assert.rejects(connectUrl(b, url, { clientId: 'wss-no-cert', ca: certs.caCert }));
      assert.equal(auth.calls.length, 1);
    } finally {
      await b.close();
    }
  });
});
