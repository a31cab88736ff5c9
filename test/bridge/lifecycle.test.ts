// close() with bridges leaves no open handles: a child process with two bridged brokers exits by itself, also when the
// remote went away first and the bridge is between reconnect attempts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runChild, SRC } from '../helpers/child-script.js';

test('brokers with bridges close without leaving handles (remote closed first, bridge waiting to reconnect)', async () => {
  const script = `
    import { Broker, TcpListener } from ${JSON.stringify(SRC + 'index.ts')};
    const remote = new Broker();
    const listener = new TcpListener({ host: '127.0.0.1', port: 0 });
    await remote.addListener(listener);
    await remote.serve();
    const edge = new Broker();
    await edge.serve();
    await edge.addBridge({ name: 'b', url: 'mqtt://127.0.0.1:' + listener.address().port, keepAlive: 5, topics: [{ filter: 'x/#', direction: 'both', qos: 2 }] });
    await remote.addBridge({ name: 'back', url: 'ws://127.0.0.1:1/mqtt', topics: [{ filter: 'y', direction: 'in' }] });
    while (!edge.bridges()[0].connected) await new Promise((r) => setTimeout(r, 10));
    const got = new Promise((r) => remote.subscribe('x/#', r));
    edge.publish('x/1', 'hello', { qos: 2 });
    await got;
    await remote.close();
    while (edge.bridges()[0].connected) await new Promise((r) => setTimeout(r, 10));
    edge.publish('x/2', 'queued', { qos: 1 });
    await edge.close();
    process.stdout.write('closed ' + JSON.stringify(edge.bridges()[0].queued) + '\\n');
  `;
  const r = await runChild(script, 30_000);
  assert.equal(r.timedOut, false, `child still running after 30 s (open handles?)\n${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^closed \d+$/m);
});
