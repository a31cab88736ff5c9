// HookChain: compilation, decide rules, transform threading, notify isolation, init/stop order.
// Glossary: "decide" = authenticate/checkAcl/enhancedAuth; "transform" = value threaded through hooks; "notify" = fire and forget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HookChain } from '../../src/hooks/hook-chain.js';
import { HookRejection, REJECT } from '../../src/hooks/hook.js';
import type { Hook } from '../../src/hooks/hook.js';
import { PacketType } from '../../src/codec/types.js';
import type { PublishPacket, SubscriptionRequest } from '../../src/codec/types.js';
import { createAuth, createClient, createMeta, createRecordingLogger, isThenable } from './helpers.js';

const client = createClient();

/** Hides the field from flow narrowing (the chain replaces it on add/remove). */
function countOf(fns: readonly unknown[] | null): number | undefined {
  return fns?.length;
}

function publish(topic = 'a/b'): PublishPacket {
  return { type: PacketType.PUBLISH, dup: false, qos: 0, retain: false, topic, packetId: 0, payload: Buffer.from('x'), properties: {} };
}

test('compiles per-event arrays on add and remove, null when empty', () => {
  const chain = new HookChain(createRecordingLogger());
  assert.equal(chain.onPublish, null);
  assert.equal(chain.authenticate, null);
  chain.add({ id: 'a', onPublish: () => undefined });
  assert.equal(countOf(chain.onPublish), 1);
  assert.equal(chain.onConnected, null);
  chain.add({ id: 'b', onPublish: () => undefined, onConnected: () => {} });
  assert.equal(countOf(chain.onPublish), 2);
  assert.equal(countOf(chain.onConnected), 1);
  assert.equal(chain.remove('a'), true);
  assert.equal(countOf(chain.onPublish), 1);
  assert.equal(chain.remove('a'), false);
  assert.equal(chain.remove('b'), true);
  assert.equal(chain.onPublish, null);
  assert.equal(chain.onConnected, null);
  assert.deepEqual(chain.hooks, []);
});

test('duplicate ids throw and registration order is kept', () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'a' });
  chain.add({ id: 'b' });
  assert.throws(() => chain.add({ id: 'a' }), /duplicate hook id: a/);
  assert.deepEqual(chain.hooks.map((h) => h.id), ['a', 'b']);
});

test('compiled functions keep their hook as this', () => {
  class Counter implements Hook {
    readonly id = 'counter';
    count = 0;
    onConnected(): void {
      this.count++;
    }
  }
  const hook = new Counter();
  const chain = new HookChain(createRecordingLogger());
  chain.add(hook);
  chain.notify('onConnected', client);
  assert.equal(hook.count, 1);
});

test('authenticate: no hooks → allow (open embedded broker)', () => {
  const chain = new HookChain(createRecordingLogger());
  const result = chain.runAuthenticate(client, createAuth());
  assert.equal(isThenable(result), false);
  assert.deepEqual(result, { decision: 'allow' });
});

test('authenticate: first non-defer wins, in order, and later hooks are not called', () => {
  const calls: string[] = [];
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'a', authenticate: () => (calls.push('a'), 'defer') });
  chain.add({ id: 'b', authenticate: () => (calls.push('b'), { decision: 'deny', reasonCode: 0x8a }) });
  chain.add({ id: 'c', authenticate: () => (calls.push('c'), 'allow') });
  const result = chain.runAuthenticate(client, createAuth());
  assert.equal(isThenable(result), false);
  assert.deepEqual(result, { decision: 'deny', reasonCode: 0x8a });
  assert.deepEqual(calls, ['a', 'b']);
});

test('authenticate: all defer → deny', () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'a', authenticate: () => 'defer' });
  chain.add({ id: 'b', authenticate: () => ({ decision: 'defer' }) });
  assert.deepEqual(chain.runAuthenticate(client, createAuth()), { decision: 'deny' });
});

test('authenticate: a throwing hook denies and is logged with its id', () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({
    id: 'broken',
    authenticate: () => {
      throw new Error('db down');
    },
  });
  chain.add({ id: 'open', authenticate: () => 'allow' });
  assert.deepEqual(chain.runAuthenticate(client, createAuth()), { decision: 'deny' });
  assert.equal(logger.entries.length, 1);
  assert.equal(logger.entries[0]?.level, 'error');
  assert.equal(logger.entries[0]?.obj.hook, 'broken');
  assert.equal(logger.entries[0]?.obj.event, 'authenticate');
});

test('authenticate: async hooks are awaited and the chain continues after an async defer', async () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'a', authenticate: () => Promise.resolve('defer' as const) });
  chain.add({ id: 'b', authenticate: () => ({ decision: 'allow', username: 'from-cert' }) });
  const result = chain.runAuthenticate(client, createAuth());
  assert.equal(isThenable(result), true);
  assert.deepEqual(await result, { decision: 'allow', username: 'from-cert' });
});

test('authenticate: a rejecting async hook denies and is logged', async () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({ id: 'slow', authenticate: () => Promise.reject(new Error('timeout')) });
  assert.deepEqual(await chain.runAuthenticate(client, createAuth()), { decision: 'deny' });
  assert.equal(logger.entries[0]?.obj.hook, 'slow');
});

test('authenticate: an unknown decision fails closed', () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'odd', authenticate: () => ({ decision: 'maybe' as 'allow' | 'deny' }) });
  assert.deepEqual(chain.runAuthenticate(client, createAuth()), { decision: 'deny' });
});

test('checkAcl: none → true, first non-defer wins, all defer → false, throw → false', async () => {
  const chain = new HookChain(createRecordingLogger());
  assert.equal(chain.runCheckAcl(client, 'a', 'publish'), true);
  chain.add({ id: 'd', checkAcl: () => 'defer' });
  assert.equal(chain.runCheckAcl(client, 'a', 'publish'), false);
  chain.add({ id: 'x', checkAcl: (_c, topic) => (topic === 'a' ? 'allow' : 'deny') });
  assert.equal(chain.runCheckAcl(client, 'a', 'publish'), true);
  assert.equal(chain.runCheckAcl(client, 'b', 'publish'), false);
  chain.remove('x');
  chain.add({ id: 'async', checkAcl: (_c, _t, access) => Promise.resolve(access === 'read' ? 'allow' : 'deny') });
  assert.equal(await chain.runCheckAcl(client, 'a', 'read'), true);
  assert.equal(await chain.runCheckAcl(client, 'a', 'subscribe'), false);
  const throwing = new HookChain(createRecordingLogger());
  throwing.add({
    id: 't',
    checkAcl: () => {
      throw new Error('boom');
    },
  });
  assert.equal(throwing.runCheckAcl(client, 'a', 'publish'), false);
});

test('enhancedAuth: none or all defer → deny 0x8C; first answer wins', async () => {
  const step = { method: 'X', data: undefined, reauthenticate: false, state: new Map<string, unknown>() };
  const chain = new HookChain(createRecordingLogger());
  assert.deepEqual(chain.runEnhancedAuth(client, step), { decision: 'deny', reasonCode: 0x8c });
  chain.add({ id: 'other', enhancedAuth: () => 'defer' });
  assert.deepEqual(chain.runEnhancedAuth(client, step), { decision: 'deny', reasonCode: 0x8c });
  chain.add({ id: 'x', enhancedAuth: () => Promise.resolve({ decision: 'continue' as const, data: Buffer.from('hi') }) });
  assert.deepEqual(await chain.runEnhancedAuth(client, step), { decision: 'continue', data: Buffer.from('hi') });
});

test('transform: values thread through hooks in order; undefined keeps the value; sync stays sync', () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'a', onPublish: (_c, p) => ({ ...p, topic: `${p.topic}/a` }) });
  chain.add({ id: 'keep', onPublish: () => undefined });
  chain.add({ id: 'b', onPublish: (_c, p) => ({ ...p, topic: `${p.topic}/b` }) });
  const result = chain.runOnPublish(client, publish('t'));
  assert.equal(isThenable(result), false);
  assert.equal((result as PublishPacket).topic, 't/a/b');
});

test('transform: async hooks are awaited in order', async () => {
  const chain = new HookChain(createRecordingLogger());
  const subs: SubscriptionRequest[] = [{ topic: 'a', qos: 1, noLocal: false, retainAsPublished: false, retainHandling: 0 }];
  chain.add({ id: 'a', onSubscribe: async (_c, s) => Promise.resolve(s.map((x) => ({ ...x, qos: 0 as const }))) });
  chain.add({ id: 'b', onSubscribe: (_c, s) => [...s, { ...s[0]!, topic: 'b' }] });
  const result = chain.runOnSubscribe(client, subs);
  assert.equal(isThenable(result), true);
  assert.deepEqual((await result).map((s) => [s.topic, s.qos]), [['a', 0], ['b', 0]]);
  chain.add({ id: 'u', onUnsubscribe: async (_c, topics) => Promise.resolve(topics.filter((t) => t !== 'x')) });
  assert.deepEqual(await chain.runOnUnsubscribe(client, ['x', 'y']), ['y']);
});

test('transform: REJECT stops the chain (sync and async)', async () => {
  let after = 0;
  const chain = new HookChain(createRecordingLogger());
  chain.add({ id: 'drop', onPublish: (_c, p) => (p.topic === 'bad' ? REJECT : undefined) });
  chain.add({ id: 'after', onPublish: () => void after++ });
  assert.equal(chain.runOnPublish(client, publish('bad')), REJECT);
  assert.equal(after, 0);
  const willChain = new HookChain(createRecordingLogger());
  willChain.add({ id: 'w', onWill: () => Promise.resolve(REJECT) });
  assert.equal(await willChain.runOnWill(client, { topic: 'w', payload: Buffer.alloc(0), qos: 0, retain: false, properties: {} }), REJECT);
});

test('transform: HookRejection propagates unchanged; other errors become 0x83 and are logged', async () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({
    id: 'refuse',
    onConnect: () => {
      throw new HookRejection(0x9c, 'go away', { serverReference: 'other:1883' });
    },
  });
  assert.throws(
    () => chain.runOnConnect(client, {} as never),
    (err: unknown) => err instanceof HookRejection && err.reasonCode === 0x9c && err.serverReference === 'other:1883' && err.code === 'SWIFTLET_ERR_HOOK_REJECTED',
  );
  assert.equal(logger.entries.length, 0);
  const broken = new HookChain(logger);
  broken.add({ id: 'oops', onPublish: () => Promise.reject(new Error('bug')) });
  await assert.rejects(
    async () => broken.runOnPublish(client, publish()),
    (err: unknown) => err instanceof HookRejection && err.reasonCode === 0x83 && !err.disconnect,
  );
  assert.equal(logger.entries[0]?.obj.hook, 'oops');
});

test('onAccept: false refuses; no hooks → true', async () => {
  const chain = new HookChain(createRecordingLogger());
  assert.equal(chain.runOnAccept(createMeta()), true);
  chain.add({ id: 'ok', onAccept: () => undefined });
  chain.add({ id: 'ban', onAccept: (meta) => Promise.resolve(meta.remoteAddress !== '10.0.0.9') });
  assert.equal(await chain.runOnAccept(createMeta()), true);
  assert.equal(await chain.runOnAccept(createMeta({ remoteAddress: '10.0.0.9' })), false);
});

test('sync runners: onPacketRead REJECT, onPacketEncode and onSelectSubscribers replace values; a thenable is ignored and logged', () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({ id: 'r', onPacketRead: (_c, p) => (p.type === PacketType.PINGREQ ? REJECT : undefined) });
  assert.equal(chain.runOnPacketRead(client, { type: PacketType.PINGREQ }), REJECT);
  assert.deepEqual(chain.runOnPacketRead(client, { type: PacketType.PINGRESP }), { type: PacketType.PINGRESP });
  chain.add({ id: 'e', onPacketEncode: (_c, p) => (p.type === PacketType.PUBLISH ? { ...p, retain: true } : undefined) });
  assert.equal((chain.runOnPacketEncode(client, publish()) as PublishPacket).retain, true);
  chain.add({ id: 's', onSelectSubscribers: (_p, sel) => ({ clients: sel.clients.filter((s) => s !== 'x'), shared: sel.shared }) });
  chain.add({ id: 'bad', onSelectSubscribers: (() => Promise.resolve({ clients: ['z'], shared: [] })) as never });
  assert.deepEqual(chain.runOnSelectSubscribers(publish(), { clients: ['x', 'y'], shared: [] }), { clients: ['y'], shared: [] });
  assert.equal(logger.entries.length, 1);
  assert.equal(logger.entries[0]?.obj.hook, 'bad');
});

test('onPacketRead: a throwing hook becomes HookRejection 0x83', () => {
  const chain = new HookChain(createRecordingLogger());
  chain.add({
    id: 'x',
    onPacketRead: () => {
      throw new TypeError('bad');
    },
  });
  assert.throws(() => chain.runOnPacketRead(client, { type: PacketType.PINGREQ }), (err: unknown) => err instanceof HookRejection && err.reasonCode === 0x83);
});

test('notify: a throwing hook is logged, reported to onError, and the others still run', async () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  const seen: string[] = [];
  const errors: string[] = [];
  chain.add({ id: 'first', onPublished: () => void seen.push('first') });
  chain.add({
    id: 'thrower',
    onPublished: () => {
      throw new Error('nope');
    },
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- simulates a hook that breaks the sync contract
  chain.add({ id: 'rejecter', onPublished: () => Promise.reject(new Error('later')) });
  chain.add({ id: 'last', onPublished: () => void seen.push('last'), onError: (_e, ctx) => void errors.push(ctx.where) });
  assert.doesNotThrow(() => chain.notify('onPublished', client, publish()));
  assert.deepEqual(seen, ['first', 'last']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(logger.entries.map((e) => e.obj.hook), ['thrower', 'rejecter']);
  assert.deepEqual(errors, ['hook:thrower:onPublished', 'hook:rejecter:onPublished']);
});

test('notify: a throwing onError hook is logged without recursion', () => {
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({
    id: 'e',
    onError: () => {
      throw new Error('again');
    },
  });
  chain.notify('onError', new Error('x'), { where: 'test' });
  assert.equal(logger.entries.length, 1);
  assert.equal(logger.entries[0]?.obj.event, 'onError');
});

test('init runs in order (awaited), stop in reverse order with errors logged', async () => {
  const order: string[] = [];
  const logger = createRecordingLogger();
  const chain = new HookChain(logger);
  chain.add({ id: 'a', init: async () => Promise.resolve(void order.push('init a')), stop: () => void order.push('stop a') });
  chain.add({
    id: 'b',
    init: () => void order.push('init b'),
    stop: () => {
      throw new Error('stop failed');
    },
  });
  chain.add({ id: 'c', stop: async () => Promise.resolve(void order.push('stop c')) });
  await chain.init({ logger, brokerId: 'b1', invalidateAclCache: () => undefined });
  await chain.stop();
  assert.deepEqual(order, ['init a', 'init b', 'stop c', 'stop a']);
  assert.equal(logger.entries[0]?.obj.hook, 'b');
});

test('every hook call is counted and sampled calls give a time estimate', () => {
  const chain = new HookChain({ debug() {}, info() {}, warn() {}, error() {} });
  chain.add({ id: 'acl', checkAcl: () => 'allow' });
  const client = { id: 'c' } as unknown as Parameters<HookChain['runCheckAcl']>[0];
  for (let i = 0; i < 130; i++) assert.equal(chain.runCheckAcl(client, 't', 'publish'), true);
  const t = chain.timings().find((x) => x.hook === 'acl' && x.event === 'checkAcl');
  assert.ok(t !== undefined);
  assert.equal(t.calls, 130);
  assert.ok(t.seconds >= 0 && Number.isFinite(t.seconds));
});
