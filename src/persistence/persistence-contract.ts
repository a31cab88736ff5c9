// The contract every durable Persistence meets, as a node:test suite: run it against your own implementation with
// `persistenceContract({ name, create, reset })` (see docs/persistence.md). Swiftlet runs it against LMDB, Redis and
// the example MapPersistence.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeliveryRecord, MessageRecord, PersistedState, Persistence, SessionRecord, SubscriptionRecord } from './persistence.js';

/** How the contract suite reaches an implementation. */
export interface PersistenceContractTarget {
  /** Name shown in the test titles. */
  name: string;
  /** A new, unopened instance over the store under test (a second instance sees what the first committed). */
  create(): Persistence | Promise<Persistence>;
  /** Empties the store; runs before each test. */
  reset(): Promise<void>;
}

function message(topic: string, text: string, extra: Partial<MessageRecord> = {}): MessageRecord {
  return { topic, payload: Buffer.from(text), qos: 1, retain: false, properties: {}, origin: 'pub', expiresAt: 0, ...extra };
}

function subscription(clientId: string, topicFilter: string, qos: 0 | 1 | 2 = 1): SubscriptionRecord {
  return { clientId, topicFilter, qos, noLocal: false, retainAsPublished: true, retainHandling: 2, identifier: 7 };
}

function delivery(clientId: string, seq: number, text: string, extra: Partial<DeliveryRecord> = {}): DeliveryRecord {
  return { clientId, seq, message: message('d/t', text), qos: 1, retain: false, subscriptionIds: undefined, packetId: 0, released: false, ...extra };
}

function bySeq(state: PersistedState, clientId: string): DeliveryRecord[] {
  return state.deliveries.filter((d) => d.clientId === clientId).sort((a, b) => a.seq - b.seq);
}

/** Registers the contract tests for one implementation. */
export function persistenceContract(target: PersistenceContractTarget): void {
  /** Opens a fresh instance, runs `body`, closes it. */
  async function withOpen<T>(body: (p: Persistence, state: PersistedState) => Promise<T> | T): Promise<T> {
    const p = await target.create();
    const state = await p.open();
    try {
      return await body(p, state);
    } finally {
      await p.close();
    }
  }

  void describe(`Persistence contract: ${target.name}`, () => {
    void test('an empty store opens empty and says it is durable', async () => {
      await target.reset();
      await withOpen((p, state) => {
        assert.equal(p.durable, true);
        assert.deepEqual(state, { sessions: [], subscriptions: [], retained: [], deliveries: [], inboundQoS2: [] });
      });
    });

    void test('committed records come back after reopening, bytes and properties intact', async () => {
      await target.reset();
      const socketChunk = Buffer.from('....payload....');
      const retained = message('r/1', '', {
        // A view into a larger buffer, as payloads off a socket are: only the view's bytes are stored.
        payload: socketChunk.subarray(4, 11),
        retain: true,
        properties: { contentType: 'text/plain', correlationData: Buffer.from([0, 1, 2]), userProperties: [['a', '1'], ['a', '2']], messageExpiryInterval: 60 },
        expiresAt: 1_900_000_000_000,
      });
      const session: SessionRecord = {
        clientId: 'a',
        protocolVersion: 5,
        expiryInterval: 300,
        disconnectedAt: 1234,
        expiresAt: 1234 + 300_000,
        will: { topic: 'w/a', payload: Buffer.from([0xff, 0]), qos: 2, retain: true, properties: { willDelayInterval: 30 }, delay: 30 },
        willDueAt: 1234 + 30_000,
      };
      await withOpen(async (p) => {
        p.saveSession(session);
        p.saveSubscription(subscription('a', 'x/+'));
        p.saveSubscription(subscription('a', '$share/g/y/#', 2));
        p.saveRetained(retained);
        p.saveDelivery(delivery('a', 10, 'one', { subscriptionIds: [7, 9], qos: 2 }));
        p.saveDelivery(delivery('a', 11, 'two', { retain: true }));
        p.holdInbound('a', 42);
        await p.commit();
      });
      await withOpen((_p, state) => {
        assert.deepEqual(state.sessions, [session]);
        assert.deepEqual(state.subscriptions.map((s) => s.topicFilter).sort(), ['$share/g/y/#', 'x/+']);
        assert.deepEqual(state.subscriptions.find((s) => s.topicFilter === 'x/+'), subscription('a', 'x/+'));
        assert.equal(state.retained.length, 1);
        const r = state.retained[0]!;
        assert.ok(Buffer.isBuffer(r.payload));
        assert.equal(r.payload.toString(), 'payload');
        assert.ok(Buffer.isBuffer(r.properties.correlationData));
        assert.deepEqual({ ...r, payload: undefined }, { ...retained, payload: undefined });
        const d = bySeq(state, 'a');
        assert.deepEqual(d.map((x) => x.message.payload.toString()), ['one', 'two']);
        assert.deepEqual(d[0]!.subscriptionIds, [7, 9]);
        assert.equal(d[0]!.qos, 2);
        assert.equal(d[1]!.retain, true);
        assert.deepEqual(state.inboundQoS2, [{ clientId: 'a', packetId: 42 }]);
      });
    });

    void test('a delivery moves through its QoS states and is gone once acknowledged', async () => {
      await target.reset();
      await withOpen(async (p) => {
        p.saveSession({ clientId: 'q', protocolVersion: 4, expiryInterval: 60, disconnectedAt: 0 });
        for (let seq = 1; seq <= 4; seq++) p.saveDelivery(delivery('q', seq, `m${seq}`, { qos: seq % 2 === 0 ? 2 : 1 }));
        await p.commit();
        p.updateDelivery('q', 1, 5, false); // sent with packet id 5
        p.updateDelivery('q', 2, 6, false);
        p.updateDelivery('q', 2, 6, true); // PUBREC received, PUBREL sent
        p.updateDelivery('q', 3, 7, false);
        p.deleteDelivery('q', 3); // PUBACK
        await p.commit();
      });
      await withOpen((_p, state) => {
        const d = bySeq(state, 'q');
        assert.deepEqual(
          d.map((x) => [x.seq, x.packetId, x.released]),
          [
            [1, 5, false],
            [2, 6, true],
            [4, 0, false],
          ],
        );
        assert.equal(d[1]!.message.payload.toString(), 'm2');
      });
    });

    void test('changes apply in the order they were made, within one commit and across commits', async () => {
      await target.reset();
      await withOpen(async (p) => {
        p.saveRetained(message('r/a', 'first', { retain: true }));
        p.saveRetained(message('r/a', 'second', { retain: true }));
        p.saveRetained(message('r/b', 'b', { retain: true }));
        p.deleteRetained('r/b');
        p.deleteRetained('r/c');
        p.saveRetained(message('r/c', 'c', { retain: true }));
        p.saveSubscription(subscription('s', 'drop'));
        p.deleteSubscription('s', 'drop');
        p.saveSession({ clientId: 's', protocolVersion: 4, expiryInterval: 60, disconnectedAt: 0 });
        p.saveSession({ clientId: 's', protocolVersion: 5, expiryInterval: 120, disconnectedAt: 99 });
        p.holdInbound('s', 1);
        p.holdInbound('s', 2);
        p.releaseInbound('s', 1);
        p.saveDelivery(delivery('s', 1, 'x'));
        p.updateDelivery('s', 1, 3, false);
        p.deleteDelivery('s', 1);
        await p.commit();
        p.releaseInbound('s', 2);
        p.holdInbound('s', 2);
        await p.commit();
      });
      await withOpen((_p, state) => {
        assert.deepEqual(state.retained.map((r) => `${r.topic}=${r.payload.toString()}`).sort(), ['r/a=second', 'r/c=c']);
        assert.deepEqual(state.subscriptions, []);
        assert.deepEqual(state.sessions, [{ clientId: 's', protocolVersion: 5, expiryInterval: 120, disconnectedAt: 99 }]);
        assert.deepEqual(state.inboundQoS2, [{ clientId: 's', packetId: 2 }]);
        assert.deepEqual(state.deliveries, []);
      });
    });

    void test('deleteSession removes the session with its subscriptions, deliveries and inbound ids; a client whose id extends it keeps its own', async () => {
      await target.reset();
      await withOpen(async (p) => {
        for (const id of ['a', 'ab']) {
          p.saveSession({ clientId: id, protocolVersion: 4, expiryInterval: 60, disconnectedAt: 0 });
          p.saveSubscription(subscription(id, 'keep/#'));
          p.saveDelivery(delivery(id, id.length, 'm'));
          p.holdInbound(id, 9);
        }
        await p.commit();
        // Saved but not committed when the delete is made: removed too.
        p.saveSubscription(subscription('a', 'late'));
        p.saveDelivery(delivery('a', 100, 'late'));
        p.deleteSession('a');
        await p.commit();
      });
      await withOpen((_p, state) => {
        assert.deepEqual(state.sessions.map((s) => s.clientId), ['ab']);
        assert.deepEqual(state.subscriptions.map((s) => `${s.clientId} ${s.topicFilter}`), ['ab keep/#']);
        assert.deepEqual(state.deliveries.map((d) => d.clientId), ['ab']);
        assert.deepEqual(state.inboundQoS2, [{ clientId: 'ab', packetId: 9 }]);
      });
    });

    void test('close() commits what was recorded and not yet committed', async () => {
      await target.reset();
      await withOpen((p) => {
        p.saveRetained(message('late/r', 'kept', { retain: true }));
        p.saveSession({ clientId: 'late', protocolVersion: 5, expiryInterval: 10, disconnectedAt: 5 });
      });
      await withOpen((_p, state) => {
        assert.deepEqual(state.retained.map((r) => r.topic), ['late/r']);
        assert.deepEqual(state.sessions.map((s) => s.clientId), ['late']);
      });
    });

    void test('one commit carries thousands of changes, and the deliveries of each client keep their order', async () => {
      await target.reset();
      const clients = 20;
      const each = 250;
      await withOpen(async (p) => {
        let seq = 1;
        for (let c = 0; c < clients; c++) p.saveSession({ clientId: `c${c}`, protocolVersion: 5, expiryInterval: 60, disconnectedAt: 0 });
        for (let i = 0; i < each; i++) {
          for (let c = 0; c < clients; c++) p.saveDelivery(delivery(`c${c}`, seq++, `${c}:${i}`));
        }
        await p.commit();
      });
      await withOpen((_p, state) => {
        assert.equal(state.deliveries.length, clients * each);
        for (let c = 0; c < clients; c++) {
          const texts = bySeq(state, `c${c}`).map((d) => d.message.payload.toString());
          assert.deepEqual(texts, Array.from({ length: each }, (_, i) => `${c}:${i}`));
        }
      });
    });

    void test('client ids and topics with unusual characters are stored as given', async () => {
      await target.reset();
      const ids = ['spa ce', 'co:lon', 'brace{x}', 'ü-ñ-中', 'a/b/#'];
      await withOpen(async (p) => {
        for (const id of ids) {
          p.saveSession({ clientId: id, protocolVersion: 5, expiryInterval: 60, disconnectedAt: 0 });
          p.saveSubscription(subscription(id, `t/${id}/+`));
          p.saveDelivery(delivery(id, 1, id));
          p.holdInbound(id, 65535);
        }
        p.saveRetained(message('top ic/ü/中', 'u', { retain: true }));
        await p.commit();
      });
      await withOpen((_p, state) => {
        assert.deepEqual(state.sessions.map((s) => s.clientId).sort(), [...ids].sort());
        assert.deepEqual(state.subscriptions.map((s) => s.topicFilter).sort(), ids.map((id) => `t/${id}/+`).sort());
        assert.deepEqual(state.deliveries.map((d) => d.message.payload.toString()).sort(), [...ids].sort());
        assert.deepEqual(state.inboundQoS2.map((x) => `${x.clientId}:${x.packetId}`).sort(), ids.map((id) => `${id}:65535`).sort());
        assert.deepEqual(state.retained.map((r) => r.topic), ['top ic/ü/中']);
      });
    });
  });
}
