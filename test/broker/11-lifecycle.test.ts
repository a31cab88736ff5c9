// Broker lifecycle: close() releases everything, listeners come and go while serving, shutdown DISCONNECT, typed errors.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runChild, SRC } from '../helpers/child-script.js';
import type { IDisconnectPacket } from 'mqtt';
import { Broker, PacketType, ReasonCode, SwiftletError } from '../../src/index.js';
import { TcpListener } from '../../src/listeners/tcp-listener.js';
import { startBroker, connectClient, waitFor } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { rawSession } from '../helpers/raw-session.js';
import { portOf } from '../helpers/ports.js';

describe('lifecycle', () => {
  test('broker.close() leaves no open handles: a child process serving and closing exits by itself with code 0', async () => {
    const script = `
      import { Broker } from ${JSON.stringify(SRC + 'index.ts')};
      import { TcpListener } from ${JSON.stringify(SRC + 'listeners/tcp-listener.ts')};
      import mqtt from 'mqtt';
      const broker = new Broker({ sweepInterval: 100 });
      const listener = new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 });
      await broker.addListener(listener);
      await broker.serve();
      const client = mqtt.connect({ host: '127.0.0.1', port: listener.address().port, protocolVersion: 5, reconnectPeriod: 0 });
      await new Promise((resolve, reject) => { client.once('connect', resolve); client.once('error', reject); });
      await client.subscribeAsync('t/#', { qos: 1 });
      await client.publishAsync('t/1', 'x', { qos: 2 });
      let reason;
      client.on('disconnect', (p) => { reason = p.reasonCode; });
      const clientClosed = new Promise((r) => client.once('close', r));
      await broker.close();
      await clientClosed;
      process.stdout.write('closed ' + reason + '\\n');
    `;
    const r = await runChild(script, 10_000);
    assert.equal(r.timedOut, false, `child still running after 10 s (open handles?)\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /closed 139/); // 0x8B server shutting down
  });

  test('5.0 clients get DISCONNECT 0x8B on close; 3.1.1 clients are just closed [MQTT-3.14.0-1]', async () => {
    const tb = await startBroker();
    const v5 = await connectClient(tb.port, { protocolVersion: 5 });
    const raw5 = await rawSession(tb.port, 5, 'shutdown-raw5');
    const raw4 = await rawSession(tb.port, 4, 'shutdown-raw4');
    let disconnect: IDisconnectPacket | undefined;
    v5.on('disconnect', (p) => (disconnect = p));
    await tb.broker.close(1000);
    const d = await raw5.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.SERVER_SHUTTING_DOWN);
    await raw5.waitClosed(1000);
    assert.equal(await raw4.next(1000), undefined);
    await raw4.waitClosed(1000);
    await waitFor(() => disconnect !== undefined, 2000, 'MQTT.js DISCONNECT');
    assert.equal(disconnect!.reasonCode, ReasonCode.SERVER_SHUTTING_DOWN);
    v5.end(true);
    assert.equal(tb.broker.serving, false);
    await tb.broker.close(); // idempotent
  });

  test('broker.disconnectClient() sends DISCONNECT 0x98 to a 5.0 client', async () => {
    const tb = await startBroker();
    const raw = await rawSession(tb.port, 5, 'kick-me');
    assert.equal(tb.broker.disconnectClient('kick-me'), true);
    const d = await raw.expect(PacketType.DISCONNECT, 1000);
    assert.equal(d.reasonCode, ReasonCode.ADMINISTRATIVE_ACTION);
    await raw.waitClosed(1000);
    assert.equal(tb.broker.disconnectClient('nobody'), false);
    await tb.close();
  });

  test('listeners can be added and removed while serving; connections of a removed listener stay open', async () => {
    const tb = await startBroker();
    const extra = new TcpListener({ id: 'extra', host: '127.0.0.1', port: 0 });
    await tb.broker.addListener(extra);
    const port = portOf(extra);
    assert.deepEqual(tb.broker.listeners().map((l) => l.id).sort(), ['extra', 'tcp']);
    const c = await rawSession(port, 4, 'via-extra', { subscribe: [{ topic: 'lc/x', qos: 0 }] });
    await tb.broker.removeListener('extra');
    assert.deepEqual(tb.broker.listeners().map((l) => l.id), ['tcp']);
    await assert.rejects(RawClient.connect(port, 4), /ECONNREFUSED/);
    // The connection accepted before removal still works.
    tb.broker.publish('lc/x', 'still here');
    const p = await c.expect(PacketType.PUBLISH);
    assert.equal(p.payload.toString(), 'still here');
    c.destroy();
    await tb.close();
  });

  test('typed errors: duplicate listener id, unknown listener, serve twice, use after close', async () => {
    const tb = await startBroker();
    await assert.rejects(tb.broker.addListener(new TcpListener({ id: 'tcp', host: '127.0.0.1', port: 0 })), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_LISTENER_DUPLICATE_ID');
    await assert.rejects(tb.broker.removeListener('nope'), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_LISTENER_UNKNOWN');
    await assert.rejects(tb.broker.serve(), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_BROKER_ALREADY_SERVING');
    await tb.close();
    await assert.rejects(tb.broker.serve(), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_BROKER_CLOSED');
    await assert.rejects(tb.broker.addListener(new TcpListener({ id: 'late', host: '127.0.0.1', port: 0 })), (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_BROKER_CLOSED');
  });

  test('typed errors: invalid capabilities name the key', () => {
    const bad = [{ receiveMaximum: 0 }, { maximumQoS: 3 }, { maximumPacketSize: 8 }, { outboundHighWaterMark: -1 }, { queueQoS0Offline: 'yes' }, { maximumQueuedMessages: 1.5 }];
    for (const capabilities of bad) {
      const key = Object.keys(capabilities)[0]!;
      assert.throws(
        () => new Broker({ capabilities: capabilities as never }),
        (e: unknown) => e instanceof SwiftletError && e.code === 'SWIFTLET_ERR_OPTIONS_INVALID' && e.message.includes(key),
        key,
      );
    }
  });

  test('a port already in use makes serve() reject and leaves nothing listening', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const broker = new Broker({ sweepInterval: 100 });
    await broker.addListener(new TcpListener({ id: 'busy', host: '127.0.0.1', port }));
    await assert.rejects(broker.serve(), /EADDRINUSE/);
    assert.equal(broker.serving, false);
    await new Promise<void>((r) => blocker.close(() => r()));
  });
});
