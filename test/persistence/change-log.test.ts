// ChangeLog: a delivery saved and deleted before its commit cancels out; a failed batch goes back in front of the
// changes made since, and cancelling still finds the right positions afterwards.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChangeLog } from '../../src/persistence/change-log.js';
import type { Change } from '../../src/persistence/change-log.js';
import type { DeliveryRecord } from '../../src/persistence/persistence.js';

function delivery(clientId: string, seq: number): Change {
  const record: DeliveryRecord = {
    clientId,
    seq,
    message: { topic: 't', payload: Buffer.from('x'), qos: 1, retain: false, properties: {}, origin: null, expiresAt: 0 },
    qos: 1,
    retain: false,
    subscriptionIds: undefined,
    packetId: 0,
    released: false,
  };
  return { kind: 'delivery', record };
}

function kinds(changes: Change[]): string[] {
  return changes.map((c) => (c.kind === 'delivery' ? `save ${c.record.clientId}/${c.record.seq}` : c.kind === 'delete-delivery' ? `delete ${c.clientId}/${c.seq}` : c.kind));
}

test('a delivery saved, updated and deleted within one batch writes nothing; other changes keep their order', () => {
  const log = new ChangeLog();
  log.add(delivery('a', 1));
  log.add({ kind: 'delivery-state', clientId: 'a', seq: 1, packetId: 4, released: false });
  log.add(delivery('a', 2));
  log.add({ kind: 'hold-inbound', clientId: 'a', packetId: 9 });
  log.add({ kind: 'delete-delivery', clientId: 'a', seq: 1 });
  assert.equal(log.size, 2);
  assert.deepEqual(kinds(log.take()), ['save a/2', 'hold-inbound']);
  // Deleting a delivery committed earlier is written.
  log.add({ kind: 'delete-delivery', clientId: 'a', seq: 2 });
  assert.deepEqual(kinds(log.take()), ['delete a/2']);
});

test('a failed batch is replayed in front, and a later delete still cancels a save made after it', () => {
  const log = new ChangeLog();
  log.add(delivery('a', 1));
  const failed = log.take();
  log.add(delivery('b', 2));
  log.add({ kind: 'delivery-state', clientId: 'b', seq: 2, packetId: 1, released: false });
  log.putBack(failed);
  assert.equal(log.size, 3);
  log.add({ kind: 'delete-delivery', clientId: 'b', seq: 2 });
  // The delivery from the failed batch may be in storage already: its delete is written, not cancelled.
  log.add({ kind: 'delete-delivery', clientId: 'a', seq: 1 });
  assert.deepEqual(kinds(log.take()), ['save a/1', 'delete a/1']);
});
