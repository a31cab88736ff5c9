// The read ACL on delivery: checkAcl(client, topic, 'read') before live, retained, queued and shared deliveries,
// cached per (session, topic) and asked again after a ledger reload or a hook change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';
import { AuthLedger } from '../../src/index.js';
import type { AclAccess, ClientInfo, Decision, Hook, ProtocolVersion } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';

/** Denies reading `secret/...` to everyone but the user `trusted`; counts the read checks per client. */
function secretHook(reads: Map<string, number>): Hook {
  return {
    id: 'no-secret-reading',
    checkAcl(client: ClientInfo, topic: string, access: AclAccess): Decision {
      if (access !== 'read') return 'allow';
      reads.set(client.id, (reads.get(client.id) ?? 0) + 1);
      return topic.startsWith('secret/') && client.username !== 'trusted' ? 'deny' : 'allow';
    },
  };
}

async function publish(client: MqttClient, topic: string, payload: string, retain = false): Promise<void> {
  await client.publishAsync(topic, payload, { qos: 1, retain });
}

function topics(got: { topic: string }[]): string[] {
  return got.map((m) => m.topic);
}

for (const version of [4, 5] as ProtocolVersion[]) {
  const v = version === 5 ? '5.0' : '3.1.1';

  test(`${v}: a read denial stops live and retained delivery to secret/# and # subscribers, and counts an acl-denied drop`, async () => {
    const reads = new Map<string, number>();
    const tb = await startBroker({}, (b) => void b.addHook(secretHook(reads)));
    try {
      const pub = await connectClient(tb.port, { protocolVersion: version, clientId: `pub-${version}` });
      await publish(pub, 'secret/retained', 'r1', true);
      await publish(pub, 'open/retained', 'r2', true);
      const narrow = await connectClient(tb.port, { protocolVersion: version, clientId: `narrow-${version}` });
      const wide = await connectClient(tb.port, { protocolVersion: version, clientId: `wide-${version}` });
      const gotNarrow = collect(narrow);
      const gotWide = collect(wide);
      // The subscribe itself is allowed; only reading is not.
      const granted = await narrow.subscribeAsync({ 'secret/#': { qos: 1 }, 'open/#': { qos: 1 } });
      assert.deepEqual(granted.map((g) => g.qos), [1, 1]);
      await wide.subscribeAsync({ '#': { qos: 1 } });
      // Live: a secret message, then a sentinel; per-publisher order means the secret one would arrive first.
      await publish(pub, 'secret/live', 's');
      await publish(pub, 'open/end', 'e');
      await waitFor(() => topics(gotNarrow).includes('open/end') && topics(gotWide).includes('open/end'), 3000, 'sentinel');
      assert.deepEqual(topics(gotNarrow).sort(), ['open/end', 'open/retained']);
      assert.deepEqual(topics(gotWide).sort(), ['open/end', 'open/retained']);
      const dropped = tb.broker.detailedStats().droppedByReason['acl-denied'];
      // secret/retained to both subscribers, secret/live to both.
      assert.equal(dropped, 4);
      // Cached: one read check per (client, topic), however many messages.
      await publish(pub, 'secret/live', 's2');
      await publish(pub, 'open/end', 'e2');
      await waitFor(() => topics(gotWide).filter((t) => t === 'open/end').length === 2, 3000, 'second sentinel');
      assert.equal(reads.get(`wide-${version}`), 4, 'open/retained, secret/retained, secret/live, open/end: each asked once');
      await Promise.all([endClient(pub), endClient(narrow), endClient(wide)]);
    } finally {
      await tb.close();
    }
  });

  test(`${v}: messages queued for an offline session are checked before they are sent on reconnect`, async () => {
    const reads = new Map<string, number>();
    const tb = await startBroker({}, (b) => void b.addHook(secretHook(reads)));
    try {
      const id = `queued-${version}`;
      const persistent = version === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
      const first = await connectClient(tb.port, { protocolVersion: version, clientId: id, ...persistent });
      await first.subscribeAsync({ 'secret/#': { qos: 1 }, 'open/#': { qos: 1 } });
      await endClient(first);
      await waitFor(() => tb.broker.clients().some((c) => c.id === id && !c.connected), 3000, 'offline');
      const pub = await connectClient(tb.port, { protocolVersion: version, clientId: `qpub-${version}` });
      await publish(pub, 'secret/queued', 'q1');
      await publish(pub, 'open/queued', 'q2');
      // Collect from the start: queued messages follow CONNACK at once.
      const back = mqtt.connect({ host: '127.0.0.1', port: tb.port, protocolVersion: version, clientId: id, reconnectPeriod: 0, ...persistent });
      const got = collect(back);
      await new Promise<void>((resolve, reject) => {
        back.once('connect', () => resolve());
        back.once('error', reject);
      });
      await waitFor(() => topics(got).includes('open/queued'), 3000, 'queued open message');
      assert.deepEqual(topics(got), ['open/queued']);
      assert.equal(tb.broker.detailedStats().droppedByReason['acl-denied'], 1);
      await Promise.all([endClient(pub), endClient(back)]);
    } finally {
      await tb.close();
    }
  });

  test(`${v}: a shared group never picks a member that may not read; with no such member the message is dropped`, async () => {
    const reads = new Map<string, number>();
    const tb = await startBroker({ sharedSubscriptionStrategy: 'round-robin' }, (b) => void b.addHook(secretHook(reads)));
    try {
      const denied = await connectClient(tb.port, { protocolVersion: version, clientId: `member-a-${version}` });
      const trusted = await connectClient(tb.port, { protocolVersion: version, clientId: `member-b-${version}`, username: 'trusted' });
      const gotDenied = collect(denied);
      const gotTrusted = collect(trusted);
      await denied.subscribeAsync({ '$share/g/secret/#': { qos: 1 }, 'open/end': { qos: 1 } });
      await trusted.subscribeAsync({ '$share/g/secret/#': { qos: 1 }, 'open/end': { qos: 1 } });
      const pub = await connectClient(tb.port, { protocolVersion: version, clientId: `spub-${version}` });
      for (let i = 0; i < 4; i++) await publish(pub, 'secret/shared', `m${i}`);
      await publish(pub, 'open/end', 'e');
      await waitFor(() => topics(gotDenied).includes('open/end') && topics(gotTrusted).includes('open/end'), 3000, 'sentinel');
      // Round robin would give member-a half of them; it may not read, so member-b gets all four.
      assert.deepEqual(gotTrusted.filter((m) => m.topic === 'secret/shared').map((m) => m.payload.toString()), ['m0', 'm1', 'm2', 'm3']);
      assert.deepEqual(topics(gotDenied), ['open/end']);
      assert.equal(tb.broker.detailedStats().droppedByReason['acl-denied'], 0);
      // Without a member that may read, nobody gets it and it counts as a drop.
      await endClient(trusted);
      await waitFor(() => !tb.broker.clients().some((c) => c.id === `member-b-${version}`), 3000, 'member-b gone');
      await publish(pub, 'secret/shared', 'lost');
      await publish(pub, 'open/end', 'e2');
      await waitFor(() => topics(gotDenied).filter((t) => t === 'open/end').length === 2, 3000, 'second sentinel');
      assert.deepEqual(topics(gotDenied), ['open/end', 'open/end']);
      assert.equal(tb.broker.detailedStats().droppedByReason['acl-denied'], 1);
      await Promise.all([endClient(pub), endClient(denied)]);
    } finally {
      await tb.close();
    }
  });
}

test('AuthLedger: a reloaded ledger that grants reading makes the next message arrive (the cache is dropped)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-read-acl-'));
  const file = join(dir, 'ledger.yaml');
  // secret/#: publish only (write), so reading it is denied.
  writeFileSync(file, 'acl:\n  - filter: secret/#\n    access: write\n  - filter: "#"\n    access: readwrite\n');
  const ledger = new AuthLedger({ file, allowAnonymous: true });
  let tb: TestBroker | undefined;
  try {
    tb = await startBroker({}, (b) => void b.addHook(ledger));
    const sub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'ledger-sub' });
    const got = collect(sub);
    await sub.subscribeAsync({ '#': { qos: 1 } });
    const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'ledger-pub' });
    await publish(pub, 'secret/a', 'before');
    await publish(pub, 'open/end', 'e1');
    await waitFor(() => topics(got).includes('open/end'), 3000, 'sentinel');
    assert.deepEqual(topics(got), ['open/end']);
    writeFileSync(file, 'acl:\n  - filter: "#"\n    access: readwrite\n');
    assert.equal(await ledger.reload(), true);
    await publish(pub, 'secret/a', 'after');
    await waitFor(() => topics(got).includes('secret/a'), 3000, 'secret/a after reload');
    assert.deepEqual(got.map((m) => m.payload.toString()), ['e1', 'after']);
    await Promise.all([endClient(pub), endClient(sub)]);
  } finally {
    await tb?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('adding and removing a hook drops the cached answers', async () => {
  const tb = await startBroker();
  try {
    const sub = await connectClient(tb.port, { protocolVersion: 4, clientId: 'hc-sub' });
    const got = collect(sub);
    await sub.subscribeAsync({ 'x/#': { qos: 1 } });
    const pub = await connectClient(tb.port, { protocolVersion: 4, clientId: 'hc-pub' });
    await tb.broker.addHook({ id: 'deny-reading', checkAcl: (_c, _t, access) => (access === 'read' ? 'deny' : 'allow') });
    await publish(pub, 'x/1', 'denied');
    await tb.broker.removeHook('deny-reading');
    await publish(pub, 'x/1', 'allowed');
    await waitFor(() => got.length === 1, 3000, 'message after removal');
    assert.equal(got[0]!.payload.toString(), 'allowed');
    await tb.broker.addHook({ id: 'deny-reading-again', checkAcl: (_c, _t, access) => (access === 'read' ? 'deny' : 'allow') });
    await publish(pub, 'x/1', 'denied again');
    await tb.broker.removeHook('deny-reading-again');
    await publish(pub, 'x/2', 'end');
    await waitFor(() => got.length === 2, 3000, 'end');
    assert.deepEqual(got.map((m) => m.payload.toString()), ['allowed', 'end']);
    await Promise.all([endClient(pub), endClient(sub)]);
  } finally {
    await tb.close();
  }
});

test('an asynchronous read answer holds only its own session: others get the message at once; the held ones follow in order', async () => {
  let release: (() => void) | undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let slowChecks = 0;
  const tb = await startBroker({}, (b) =>
    void b.addHook({
      id: 'slow-for-one',
      checkAcl(client, _topic, access) {
        if (access !== 'read' || client.id !== 'slowpoke') return 'allow';
        slowChecks++;
        return gate.then((): Decision => 'allow');
      },
    }),
  );
  try {
    const slow = await connectClient(tb.port, { protocolVersion: 5, clientId: 'slowpoke' });
    const fast = await connectClient(tb.port, { protocolVersion: 5, clientId: 'fast' });
    const gotSlow = collect(slow);
    const gotFast = collect(fast);
    await slow.subscribeAsync({ 'a/#': { qos: 0 } });
    await fast.subscribeAsync({ 'a/#': { qos: 0 } });
    const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'apub' });
    for (let i = 0; i < 3; i++) await publish(pub, 'a/t', `m${i}`);
    await waitFor(() => gotFast.length === 3, 3000, 'fast subscriber');
    assert.equal(gotSlow.length, 0, 'the slow session waits for its answer');
    release!();
    await waitFor(() => gotSlow.length === 3, 3000, 'slow subscriber after the answer');
    assert.deepEqual(gotSlow.map((m) => m.payload.toString()), ['m0', 'm1', 'm2']);
    assert.equal(slowChecks, 1, 'asked once; the pending answer is shared, then cached');
    await Promise.all([endClient(pub), endClient(slow), endClient(fast)]);
  } finally {
    await tb.close();
  }
});
