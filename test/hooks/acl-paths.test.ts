// The ACL on the paths around plain publish and subscribe: wills, retained messages, shared subscriptions and the
// inline client, with an AuthLedger over real sockets (3.1.1 and 5.0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthLedger } from '../../src/hooks/builtin/auth-ledger.js';
import { hashPasswordSync } from '../../src/hooks/builtin/password-hash.js';
import type { BrokerLogger } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';

const PASSWORD = 'pw';
const hash = hashPasswordSync(PASSWORD, { cost: 1024 });

/** alice may write alice/# only; watcher may read everything (the $SYS tree included) and subscribe to $share/g/jobs/#. */
function ledger(): AuthLedger {
  return new AuthLedger({
    ledger: {
      users: {
        alice: { password: hash, acl: { 'alice/#': 'readwrite' } },
        watcher: { password: hash, acl: { '#': 'read', '$SYS/#': 'read', 'jobs/#': 'read' } },
        worker: { password: hash, acl: { 'jobs/public/#': 'read' } },
      },
      acl: [{ filter: 'nothing-else', access: 'deny' }],
    },
  });
}

async function start(warnings: string[] = []): Promise<TestBroker> {
  const none = (): void => undefined;
  const logger: BrokerLogger = { debug: none, info: none, error: none, warn: (_o, msg) => warnings.push(msg ?? '') };
  return startBroker({ sysInterval: 0, logger }, (b) => void b.addHook(ledger()));
}

for (const protocolVersion of [4, 5] as const) {
  const v = protocolVersion === 5 ? '5.0' : '3.1.1';

  test(`${v}: a will to a topic the client may not publish to (or to $SYS) is not published nor retained; one it may is`, async () => {
    const warnings: string[] = [];
    const tb = await start(warnings);
    try {
      const watcher = await connectClient(tb.port, { protocolVersion, clientId: `watch-${v}`, username: 'watcher', password: PASSWORD });
      const got = collect(watcher);
      await watcher.subscribeAsync(['#', '$SYS/#'], { qos: 1 });
      for (const [i, topic] of ['admin/cmd', '$SYS/broker/fake'].entries()) {
        const sneaky = await connectClient(tb.port, { protocolVersion, clientId: `sneaky-${i}-${v}`, username: 'alice', password: PASSWORD, will: { topic, payload: Buffer.from('x'), qos: 1, retain: true } });
        const refusedBefore = tb.broker.detailedStats().droppedByReason['publish-refused']!;
        sneaky.stream.destroy(); // an abnormal close: the will is due
        await waitFor(() => tb.broker.detailedStats().droppedByReason['publish-refused']! > refusedBefore, 5000, `the refused will to ${topic}`);
      }
      const honest = await connectClient(tb.port, { protocolVersion, clientId: `honest-${v}`, username: 'alice', password: PASSWORD, will: { topic: 'alice/status', payload: Buffer.from('gone'), qos: 1, retain: true } });
      honest.stream.destroy();
      await waitFor(() => got.some((m) => m.topic === 'alice/status'), 5000, 'the allowed will');
      assert.deepEqual(got.map((m) => m.topic), ['alice/status']);
      assert.equal(warnings.filter((w) => w.startsWith('will refused')).length, 2);
      // Nothing was retained for the refused wills: a new subscriber gets only the allowed one.
      const late = await connectClient(tb.port, { protocolVersion, clientId: `late-${v}`, username: 'watcher', password: PASSWORD });
      const retained = collect(late);
      await late.subscribeAsync(['admin/#', 'alice/#'], { qos: 1 });
      await waitFor(() => retained.length >= 1, 3000, 'retained will');
      assert.deepEqual(retained.map((m) => m.topic), ['alice/status']);
      await Promise.all([endClient(watcher), endClient(late)]);
    } finally {
      await tb.close();
    }
  });

  test(`${v}: a retained publish the write ACL refuses is neither stored nor delivered`, async () => {
    const tb = await start();
    try {
      const alice = await connectClient(tb.port, { protocolVersion, clientId: `alice-${v}`, username: 'alice', password: PASSWORD });
      // QoS 0: 3.1.1 has no refusal; 5.0 QoS 0 has no acknowledgement either.
      alice.publish('admin/config', 'evil', { qos: 0, retain: true });
      await alice.publishAsync('alice/config', 'fine', { qos: 1, retain: true });
      const late = await connectClient(tb.port, { protocolVersion, clientId: `late-${v}`, username: 'watcher', password: PASSWORD });
      const got = collect(late);
      await late.subscribeAsync('#', { qos: 1 });
      await waitFor(() => got.length >= 1, 3000, 'retained');
      assert.deepEqual(got.map((m) => m.topic), ['alice/config']);
      assert.equal(tb.broker.stats.retainedMessages, 1);
      await Promise.all([endClient(alice), endClient(late)]);
    } finally {
      await tb.close();
    }
  });

  test(`${v}: shared subscriptions are checked like plain ones: a filter the ACL does not cover is refused`, async () => {
    const tb = await start();
    try {
      const worker = await connectClient(tb.port, { protocolVersion, clientId: `worker-${v}`, username: 'worker', password: PASSWORD });
      const granted = await worker.subscribeAsync({ '$share/g/jobs/public/#': { qos: 1 } });
      assert.equal(granted[0]!.qos, 1);
      // 3.1.1: SUBACK 0x80 failure; 5.0: 0x87 Not authorized (MQTT.js rejects with the reason's name).
      await assert.rejects(worker.subscribeAsync({ '$share/g/jobs/#': { qos: 1 } }), protocolVersion === 5 ? /Not authorized/ : /Unspecified error/);
      const got = collect(worker);
      tb.broker.publish('jobs/secret/1', 'no');
      tb.broker.publish('jobs/public/1', 'yes');
      await waitFor(() => got.length >= 1, 3000, 'the public job');
      assert.deepEqual(got.map((m) => m.topic), ['jobs/public/1']);
      await endClient(worker);
    } finally {
      await tb.close();
    }
  });
}

test('inline client: its own publishes and subscriptions are not restricted, but delivery to clients still passes the read ACL', async () => {
  const tb = await start();
  try {
    const alice = await connectClient(tb.port, { protocolVersion: 5, clientId: 'alice', username: 'alice', password: PASSWORD });
    const got = collect(alice);
    // alice may subscribe to alice/#; the ledger denies her reading admin/#, which she cannot even subscribe to.
    await alice.subscribeAsync('alice/#', { qos: 1 });
    const inline: string[] = [];
    const sub = tb.broker.subscribe('admin/#', (m) => inline.push(m.topic));
    tb.broker.publish('admin/notice', 'for the program');
    tb.broker.publish('alice/notice', 'for alice');
    await waitFor(() => got.length === 1 && inline.length === 1, 3000, 'deliveries');
    assert.deepEqual(inline, ['admin/notice']);
    assert.deepEqual(got.map((m) => m.topic), ['alice/notice']);
    sub.unsubscribe();
    await endClient(alice);
  } finally {
    await tb.close();
  }
});
