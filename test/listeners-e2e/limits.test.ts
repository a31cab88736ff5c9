// End to end per-listener limits: maxConnections, connectionRate and connectionRatePerAddress refuse extra MQTT.js clients and count them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IClientOptions, MqttClient } from 'mqtt';
import { TcpListener, UnixListener, WebSocketListener } from '../../src/index.js';
import type { ConnectionRate, Listener } from '../../src/index.js';
import { endClient, waitFor } from '../helpers/broker.js';
import { portOf } from '../helpers/ports.js';
import { connectStream, connectUrl, roundTrip, startBrokerOn, subscribe } from './helpers.js';
import type { E2eBroker } from './helpers.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'swiftlet-e2e-limits-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One transport: how to build its listener with limits, and how MQTT.js reaches it. */
interface Transport {
  readonly name: string;
  create(limits: { maxConnections?: number; connectionRate?: ConnectionRate }): Listener;
  connect(b: E2eBroker, listener: Listener, options: IClientOptions): Promise<MqttClient>;
}

const transports: Transport[] = [
  {
    name: 'tcp',
    create: (limits) => new TcpListener({ port: 0, ...limits }),
    connect: (b, l, o) => connectUrl(b, `mqtt://127.0.0.1:${portOf(l)}`, o),
  },
  {
    name: 'ws',
    create: (limits) => new WebSocketListener({ port: 0, ...limits }),
    connect: (b, l, o) => connectUrl(b, `ws://127.0.0.1:${portOf(l)}/mqtt`, o),
  },
  {
    name: 'unix',
    create: (limits) => new UnixListener({ path: join(dir, `limits-${Math.random().toString(36).slice(2)}.sock`), ...limits }),
    connect: (b, l, o) => {
      const address = l.address();
      if (address === undefined || !('path' in address)) throw new Error('no socket path');
      return connectStream(b, () => net.connect({ path: address.path }), o);
    },
  },
];

describe('maxConnections end to end', () => {
  for (const t of transports) {
    it(`${t.name}: the client over the limit is refused and counted; a slot frees when a client leaves`, async () => {
      const listener = t.create({ maxConnections: 2 });
      const b = await startBrokerOn([listener]);
      try {
        const first = await t.connect(b, listener, { clientId: 'first', protocolVersion: 5 });
        const second = await t.connect(b, listener, { clientId: 'second', protocolVersion: 4 });
        await assert.rejects(t.connect(b, listener, { clientId: 'third' }));
        const stats = listener.stats?.();
        assert.equal(stats?.refused.maxConnections, 1);
        assert.equal(stats.accepted, 2);
        assert.equal(stats.open, 2);
        assert.equal(b.broker.client('third'), undefined);
        // The two admitted clients are unaffected.
        await subscribe(first, 'e2e/limits');
        assert.equal((await roundTrip(second, first, 'e2e/limits', 'still fine')).toString(), 'still fine');
        await endClient(second);
        await waitFor(() => listener.stats?.().open === 1, 5000, 'the slot to free');
        const again = await t.connect(b, listener, { clientId: 'fourth' });
        assert.ok(again.connected);
        assert.equal(listener.stats?.().refused.maxConnections, 1);
        // The broker's listener view reports the same counters.
        const info = b.broker.listenerInfo().find((l) => l.id === listener.id);
        assert.equal(info?.stats?.refused.maxConnections, 1);
      } finally {
        await b.close();
      }
    });
  }
});

describe('connectionRate end to end', () => {
  for (const t of transports) {
    it(`${t.name}: connections beyond the burst are refused and counted`, async () => {
      // A refill of one token per 100 s: the bucket holds exactly the burst for the whole test.
      const listener = t.create({ connectionRate: { perSecond: 0.01, burst: 2 } });
      const b = await startBrokerOn([listener]);
      try {
        const first = await t.connect(b, listener, { clientId: 'r1' });
        await t.connect(b, listener, { clientId: 'r2', protocolVersion: 5 });
        await assert.rejects(t.connect(b, listener, { clientId: 'r3' }));
        await assert.rejects(t.connect(b, listener, { clientId: 'r4' }));
        const stats = listener.stats?.();
        assert.equal(stats?.refused.rate, 2);
        assert.equal(stats.refused.maxConnections, 0);
        assert.equal(stats.accepted, 2);
        assert.ok(first.connected);
      } finally {
        await b.close();
      }
    });
  }
});

describe('connectionRatePerAddress end to end', () => {
  // Linux routes all of 127/8 to loopback: 127.0.0.2 is a second client host on the same machine.
  const tcpFrom = (b: E2eBroker, l: Listener, localAddress: string, o: IClientOptions) =>
    connectStream(b, () => net.connect({ host: '127.0.0.1', port: portOf(l), localAddress }), o);
  const wsFrom = (b: E2eBroker, l: Listener, localAddress: string, o: IClientOptions) =>
    connectUrl(b, `ws://127.0.0.1:${portOf(l)}/mqtt`, { ...o, wsOptions: { localAddress } });
  const cases = [
    { name: 'tcp', create: (rate: ConnectionRate) => new TcpListener({ port: 0, connectionRatePerAddress: rate }), from: tcpFrom },
    { name: 'ws', create: (rate: ConnectionRate) => new WebSocketListener({ port: 0, connectionRatePerAddress: rate }), from: wsFrom },
  ];
  for (const t of cases) {
    it(`${t.name}: one address over its rate is refused and counted; another address is still admitted`, async () => {
      // A refill of one token per 100 s: each address can make exactly `burst` connections during the test.
      const listener = t.create({ perSecond: 0.01, burst: 2 });
      const b = await startBrokerOn([listener]);
      try {
        const first = await t.from(b, listener, '127.0.0.1', { clientId: 'a1', protocolVersion: 5 });
        await t.from(b, listener, '127.0.0.1', { clientId: 'a2' });
        await assert.rejects(t.from(b, listener, '127.0.0.1', { clientId: 'a3' }));
        assert.equal(b.broker.client('a3'), undefined);
        // Another host has its own bucket.
        const other = await t.from(b, listener, '127.0.0.2', { clientId: 'b1', protocolVersion: 5 });
        const stats = listener.stats?.();
        assert.equal(stats?.refused.addressRate, 1);
        assert.equal(stats.refused.rate, 0);
        assert.equal(stats.accepted, 3);
        // The admitted clients are unaffected.
        await subscribe(first, 'e2e/address-rate');
        assert.equal((await roundTrip(other, first, 'e2e/address-rate', 'still fine')).toString(), 'still fine');
      } finally {
        await b.close();
      }
    });
  }
});
