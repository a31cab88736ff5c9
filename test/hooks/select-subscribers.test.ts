// onSelectSubscribers on real traffic: a custom shared-group strategy and skipping plain receivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PublishPacket, SubscriberSelection } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';

test('onSelectSubscribers replaces the shared-group choice: the member named in the payload gets each message', async () => {
  const offered: SubscriberSelection[] = [];
  const tb = await startBroker({ sharedSubscriptionStrategy: 'round-robin' }, (b) =>
    void b.addHook({
      id: 'payload-routing',
      onSelectSubscribers(packet: PublishPacket, selection: SubscriberSelection) {
        if (packet.topic !== 'jobs/x') return undefined;
        offered.push(structuredClone(selection));
        const wanted = packet.payload.toString().split(':')[0];
        for (const group of selection.shared) {
          if (group.members.some((m) => m.clientId === wanted)) group.chosen = wanted;
        }
        return selection;
      },
    }),
  );
  try {
    const m1 = await connectClient(tb.port, { protocolVersion: 5, clientId: 'm1' });
    const m2 = await connectClient(tb.port, { protocolVersion: 5, clientId: 'm2' });
    const got1 = collect(m1);
    const got2 = collect(m2);
    await m1.subscribeAsync({ '$share/workers/jobs/#': { qos: 1 } });
    await m2.subscribeAsync({ '$share/workers/jobs/#': { qos: 1 } });
    const pub = await connectClient(tb.port, { protocolVersion: 5, clientId: 'jobs-pub' });
    // Round robin alone would alternate m1, m2, m1, m2.
    for (const payload of ['m2:a', 'm2:b', 'm1:c', 'm2:d']) await pub.publishAsync('jobs/x', payload, { qos: 1 });
    await waitFor(() => got1.length + got2.length === 4, 3000, 'four jobs');
    assert.deepEqual(got1.map((m) => m.payload.toString()), ['m1:c']);
    assert.deepEqual(got2.map((m) => m.payload.toString()), ['m2:a', 'm2:b', 'm2:d']);
    // What the hook was offered: no plain receivers, one group with both members and the built-in pick.
    assert.equal(offered.length, 4);
    const first = offered[0]!;
    assert.deepEqual(first.clients, []);
    assert.equal(first.shared.length, 1);
    assert.equal(first.shared[0]!.group, 'workers');
    assert.equal(first.shared[0]!.filter, 'jobs/#');
    assert.deepEqual(first.shared[0]!.members, [{ clientId: 'm1', connected: true }, { clientId: 'm2', connected: true }]);
    assert.ok(['m1', 'm2'].includes(first.shared[0]!.chosen!));
    await Promise.all([endClient(pub), endClient(m1), endClient(m2)]);
  } finally {
    await tb.close();
  }
});

test('onSelectSubscribers can skip receivers (a removed client id, a group set to no member); unknown ids are ignored', async () => {
  const tb = await startBroker({}, (b) =>
    void b.addHook({
      id: 'quiet-hours',
      onSelectSubscribers(packet: PublishPacket, selection: SubscriberSelection) {
        if (packet.topic !== 'news/muted') return undefined;
        return { clients: [...selection.clients.filter((id) => id !== 'muted'), 'not-a-subscriber'], shared: selection.shared.map((g) => ({ ...g, chosen: undefined })) };
      },
    }),
  );
  try {
    const muted = await connectClient(tb.port, { protocolVersion: 4, clientId: 'muted' });
    const loud = await connectClient(tb.port, { protocolVersion: 4, clientId: 'loud' });
    const gotMuted = collect(muted);
    const gotLoud = collect(loud);
    await muted.subscribeAsync({ 'news/#': { qos: 0 }, '$share/g/news/#': { qos: 0 } });
    await loud.subscribeAsync({ 'news/#': { qos: 0 } });
    const pub = await connectClient(tb.port, { protocolVersion: 4, clientId: 'news-pub' });
    await pub.publishAsync('news/muted', 'x', { qos: 1 });
    await pub.publishAsync('news/end', 'e', { qos: 1 });
    await waitFor(() => gotMuted.length === 2 && gotLoud.length === 2, 3000, 'news/end to both (plain and shared for muted)');
    assert.deepEqual(gotLoud.map((m) => m.topic), ['news/muted', 'news/end']);
    assert.deepEqual(gotMuted.map((m) => m.topic), ['news/end', 'news/end']);
    await Promise.all([endClient(pub), endClient(muted), endClient(loud)]);
  } finally {
    await tb.close();
  }
});
