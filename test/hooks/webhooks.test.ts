// Webhook end to end against real node:http endpoints: every event kind, signature, per-client order across
// batches, retries with backoff after failures, a dead and a hanging endpoint (bounded queue, counted drops,
// publishing unaffected). Glossary: "endpoint" = the test's HTTP server receiving the batches.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { Webhook, WEBHOOK_SIGNATURE_HEADER } from '../../src/index.js';
import type { WebhookOptions } from '../../src/index.js';
import { collect, connectClient, endClient, startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { startEndpoint } from '../helpers/http-endpoint.js';
import type { HttpEndpoint, Reply, ReceivedRequest } from '../helpers/http-endpoint.js';

// A hang guard, not a timing assertion: the delivery thread starts with the broker, slowly on a loaded machine.
const DEADLINE_MS = 30_000;

const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const o of opened.reverse()) await o.close();
});

interface SentEvent {
  event: string;
  clientId: string | null;
  timestamp: number;
  [key: string]: unknown;
}

async function endpoint(fn?: (req: ReceivedRequest) => Reply | Promise<Reply>): Promise<HttpEndpoint> {
  const e = await startEndpoint(fn);
  opened.push(e);
  return e;
}

async function brokerWith(options: WebhookOptions, brokerOptions = {}): Promise<{ b: TestBroker; hook: Webhook }> {
  const hook = new Webhook(options);
  const b = await startBroker(brokerOptions, (broker) => void broker.addHook(hook));
  opened.push(b);
  return { b, hook };
}

function eventsOf(e: HttpEndpoint): SentEvent[] {
  return e.requests.filter((r) => r.headers['content-type'] === 'application/json').flatMap((r) => (r.body as { events: SentEvent[] }).events);
}

describe('Webhook', { concurrency: true }, () => {
  test('client.connected, message.published, client.disconnected: signed with HMAC-SHA256 of the exact body', async () => {
    const e = await endpoint();
    const { b } = await brokerWith({ url: `${e.url}/hook`, secret: 'hook-secret', headers: { 'X-Tenant': 'acme' }, batch: { maxMessages: 100, maxDelayMs: 20 }, topics: ['sensors/#'] });
    const c = await connectClient(b.port, { clientId: 'pub1', username: 'user1' });
    await c.publishAsync('sensors/t1', 'hello', { qos: 1 });
    await c.publishAsync('other/t', 'not sent', { qos: 1 });
    await endClient(c);
    await waitFor(() => eventsOf(e).some((x) => x.event === 'client.disconnected'), DEADLINE_MS, 'disconnected event');
    const events = eventsOf(e);
    // A clean session ends with its connection: session expiry interval 0 means it expires at the disconnect.
    assert.deepEqual(events.map((x) => x.event), ['client.connected', 'message.published', 'session.expired', 'client.disconnected']);
    const [connected, published] = events as [SentEvent, SentEvent];
    assert.equal(connected.clientId, 'pub1');
    assert.equal(connected.username, 'user1');
    assert.equal(connected.protocolVersion, 4);
    assert.equal(published.topic, 'sensors/t1');
    assert.equal(published.qos, 1);
    assert.equal(Buffer.from(published.payload as string, 'base64').toString(), 'hello');
    for (const req of e.requests) {
      assert.equal(req.path, '/hook');
      assert.equal(req.headers['x-tenant'], 'acme');
      assert.equal((req.body as { brokerId: string }).brokerId, b.broker.id);
      const expected = `sha256=${createHmac('sha256', 'hook-secret').update(req.raw).digest('hex')}`;
      assert.equal(req.headers[WEBHOOK_SIGNATURE_HEADER], expected);
      const forged = `sha256=${createHmac('sha256', 'other').update(req.raw).digest('hex')}`;
      assert.notEqual(req.headers[WEBHOOK_SIGNATURE_HEADER], forged);
    }
  });

  test('events of one client arrive in order across batches of at most maxMessages; several clients interleave', async () => {
    const e = await endpoint();
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 7, maxDelayMs: 10 }, concurrency: 3 });
    const clients = await Promise.all(['o1', 'o2', 'o3'].map((id) => connectClient(b.port, { clientId: id })));
    await Promise.all(clients.map(async (c, i) => {
      for (let n = 0; n < 40; n++) await c.publishAsync(`o/${i}`, String(n), { qos: 1 });
    }));
    await waitFor(() => hook.stats().sent === 120, DEADLINE_MS, 'all sent');
    for (const req of e.requests) assert.ok((req.body as { events: unknown[] }).events.length <= 7);
    for (const id of ['o1', 'o2', 'o3']) {
      const seq = eventsOf(e).filter((x) => x.clientId === id).map((x) => Number(Buffer.from(x.payload as string, 'base64').toString()));
      assert.deepEqual(seq, Array.from({ length: 40 }, (_, n) => n), id);
    }
    for (const c of clients) await endClient(c);
  });

  test('a failing endpoint: 5xx answers are retried with backoff, nothing lost, order kept', async () => {
    let failures = 3;
    const e = await endpoint(() => (failures-- > 0 ? { status: 503 } : { status: 204 }));
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 5, maxDelayMs: 5 }, concurrency: 1, retry: { initialDelayMs: 10, maxDelayMs: 50 } });
    const c = await connectClient(b.port, { clientId: 'retry' });
    for (let n = 0; n < 12; n++) await c.publishAsync('r/t', String(n), { qos: 1 });
    await waitFor(() => hook.stats().sent === 12, DEADLINE_MS, 'all sent after retries');
    const stats = hook.stats();
    assert.equal(stats.failedAttempts, 3);
    assert.equal(stats.droppedFailed, 0);
    const ok = e.requests.slice(3).flatMap((r) => (r.body as { events: SentEvent[] }).events);
    assert.deepEqual(ok.map((x) => Buffer.from(x.payload as string, 'base64').toString()), Array.from({ length: 12 }, (_, n) => String(n)));
    await endClient(c);
  });

  test('a 4xx answer is not retried: the batch is dropped and counted', async () => {
    const e = await endpoint(() => ({ status: 400 }));
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 10, maxDelayMs: 5 } });
    const c = await connectClient(b.port, { clientId: 'four' });
    await c.publishAsync('x/y', 'a', { qos: 1 });
    await waitFor(() => hook.stats().droppedFailed === 1, DEADLINE_MS, 'dropped');
    assert.equal(e.requests.length, 1);
    await endClient(c);
  });

  test('a hanging endpoint: publishing goes on at full speed, the queue stays bounded, the overflow is counted', async () => {
    const e = await endpoint(() => ({ hang: true }));
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 2, maxDelayMs: 0 }, concurrency: 1, maxQueued: 5, timeoutMs: 60_000 });
    const sub = await connectClient(b.port, { clientId: 'hsub' });
    await sub.subscribeAsync('h/#', { qos: 1 });
    const got = collect(sub);
    const pub = await connectClient(b.port, { clientId: 'hpub' });
    for (let n = 0; n < 50; n++) await pub.publishAsync('h/t', String(n), { qos: 1 });
    await waitFor(() => got.length === 50, DEADLINE_MS, 'every message delivered to the subscriber');
    await waitFor(() => e.requests.length > 0, DEADLINE_MS, 'the first batch reached the endpoint');
    const stats = hook.stats();
    assert.equal(stats.queued, 5);
    assert.equal(stats.pending, 5);
    assert.equal(stats.droppedQueueFull, 45);
    assert.equal(e.requests.length, 1, 'one batch in flight on the single lane');
    await endClient(pub);
    await endClient(sub);
  });

  test('a dead endpoint: attempts end after maxAttempts; the batch is dropped and counted', async () => {
    const e = await endpoint();
    await e.close();
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 10, maxDelayMs: 5 }, retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 10 } });
    const c = await connectClient(b.port, { clientId: 'dead' });
    await c.publishAsync('d/t', '1', { qos: 1 });
    await waitFor(() => hook.stats().droppedFailed === 1, DEADLINE_MS, 'given up');
    assert.equal(hook.stats().failedAttempts, 3);
    await endClient(c);
  });

  test('stop sends what is still queued', async () => {
    const e = await endpoint();
    const hook = new Webhook({ url: e.url, events: ['message.published'], batch: { maxMessages: 1000, maxDelayMs: 60_000 } });
    const b = await startBroker({}, (broker) => void broker.addHook(hook));
    const c = await connectClient(b.port, { clientId: 'flush' });
    for (let n = 0; n < 3; n++) await c.publishAsync('f/t', String(n), { qos: 1 });
    await endClient(c);
    assert.equal(e.requests.length, 0, 'the batch waits for maxDelayMs');
    await b.close();
    assert.deepEqual(eventsOf(e).map((x) => Buffer.from(x.payload as string, 'base64').toString()), ['0', '1', '2']);
    assert.equal(hook.stats().sent, 3);
  });

  test('non-ASCII names and a payload larger than a record chunk arrive intact', async () => {
    const e = await endpoint();
    const { b, hook } = await brokerWith({ url: e.url, secret: 'k', events: ['client.connected', 'message.published'], batch: { maxMessages: 10, maxDelayMs: 5 } });
    const c = await connectClient(b.port, { clientId: 'capteur-é', username: 'Zoë "quoted" \\ user' });
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) big[i] = i % 251;
    await c.publishAsync('capteurs/température/€', big, { qos: 1, retain: true });
    await c.publishAsync('capteurs/vide', Buffer.alloc(0), { qos: 0 });
    await waitFor(() => hook.stats().sent === 3, DEADLINE_MS, 'three events sent');
    const [connected, published, empty] = eventsOf(e) as [SentEvent, SentEvent, SentEvent];
    assert.equal(connected.clientId, 'capteur-é');
    assert.equal(connected.username, 'Zoë "quoted" \\ user');
    assert.equal(published.topic, 'capteurs/température/€');
    assert.equal(published.retain, true);
    assert.ok(Buffer.from(published.payload as string, 'base64').equals(big));
    assert.equal(empty.payload, '');
    for (const req of e.requests) assert.equal(req.headers[WEBHOOK_SIGNATURE_HEADER], `sha256=${createHmac('sha256', 'k').update(req.raw).digest('hex')}`);
    await endClient(c);
  });

  test('a queue that is full drops new events at once and counts them; room made by deliveries is used again', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const e = await endpoint(async () => {
      await gate;
      return { status: 204 };
    });
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 3, maxDelayMs: 0 }, concurrency: 1, maxQueued: 3 });
    const c = await connectClient(b.port, { clientId: 'full' });
    for (let n = 0; n < 10; n++) await c.publishAsync('q/t', String(n), { qos: 1 });
    assert.deepEqual({ queued: hook.stats().queued, droppedQueueFull: hook.stats().droppedQueueFull, pending: hook.stats().pending }, { queued: 3, droppedQueueFull: 7, pending: 3 });
    release!();
    await waitFor(() => hook.stats().sent === 3, DEADLINE_MS, 'the first three sent');
    for (let n = 10; n < 12; n++) await c.publishAsync('q/t', String(n), { qos: 1 });
    await waitFor(() => hook.stats().sent === 5, DEADLINE_MS, 'the later two sent');
    assert.deepEqual(eventsOf(e).map((x) => Buffer.from(x.payload as string, 'base64').toString()), ['0', '1', '2', '10', '11']);
    assert.equal(hook.stats().droppedQueueFull, 7);
    await endClient(c);
  });

  test('a delivery thread that dies: what it held is counted as dropped, a new one takes over', async () => {
    const e = await endpoint(() => ({ hang: true }));
    const { b, hook } = await brokerWith({ url: e.url, events: ['message.published'], batch: { maxMessages: 10, maxDelayMs: 0 }, concurrency: 1, timeoutMs: 60_000 });
    const c = await connectClient(b.port, { clientId: 'crash' });
    for (let n = 0; n < 3; n++) await c.publishAsync('c/t', String(n), { qos: 1 });
    await waitFor(() => e.requests.length === 1, DEADLINE_MS, 'a batch held by the hanging request');
    const first = hook.deliveryThread!;
    await first.terminate();
    await waitFor(() => hook.stats().droppedFailed === 3, DEADLINE_MS, 'the held events counted as lost');
    assert.equal(hook.stats().pending, 0);
    e.answer(() => ({ status: 200 }));
    await c.publishAsync('c/t', 'after', { qos: 1 });
    await waitFor(() => hook.stats().sent === 1, DEADLINE_MS, 'an event sent by the new thread');
    assert.notEqual(hook.deliveryThread, first);
    assert.equal(Buffer.from(eventsOf(e).at(-1)!.payload as string, 'base64').toString(), 'after');
    await endClient(c);
  });

  test('stop with an endpoint that never answers: gives up after the grace period, counted, no thread left', async () => {
    const e = await endpoint(() => ({ hang: true }));
    const hook = new Webhook({ url: e.url, events: ['message.published'], batch: { maxMessages: 10, maxDelayMs: 0 }, timeoutMs: 60_000 });
    const b = await startBroker({}, (broker) => void broker.addHook(hook));
    const c = await connectClient(b.port, { clientId: 'stuck' });
    for (let n = 0; n < 4; n++) await c.publishAsync('s/t', String(n), { qos: 1 });
    await endClient(c);
    await waitFor(() => e.requests.length > 0, DEADLINE_MS, 'a request in flight');
    const thread = hook.deliveryThread!;
    const exited = new Promise<number>((resolve) => thread.once('exit', resolve));
    await b.close();
    await exited;
    const stats = hook.stats();
    assert.equal(stats.sent, 0);
    assert.equal(stats.droppedFailed, 4);
    assert.equal(stats.pending, 0);
    assert.equal(hook.deliveryThread, undefined);
  });

  test('session.expired and message.dropped', async () => {
    const e = await endpoint();
    const { b } = await brokerWith(
      { url: e.url, events: ['session.expired', 'message.dropped'], batch: { maxMessages: 100, maxDelayMs: 10 } },
      { capabilities: { maximumQueuedMessages: 1 } },
    );
    // An offline session that can queue one message: the next two are dropped.
    const offline = await connectClient(b.port, { clientId: 'sleepy', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 600 } });
    await offline.subscribeAsync('q/#', { qos: 1 });
    await endClient(offline);
    // A session that expires one second after its client leaves.
    const brief = await connectClient(b.port, { clientId: 'brief', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 1 } });
    await endClient(brief);
    const pub = await connectClient(b.port, { clientId: 'qpub' });
    for (let n = 0; n < 3; n++) await pub.publishAsync('q/t', String(n), { qos: 1 });
    await endClient(pub);
    await waitFor(() => eventsOf(e).some((x) => x.event === 'session.expired' && x.clientId === 'brief'), DEADLINE_MS, 'session.expired');
    await waitFor(() => eventsOf(e).filter((x) => x.event === 'message.dropped').length === 2, DEADLINE_MS, 'message.dropped');
    const events = eventsOf(e);
    const dropped = events.filter((x) => x.event === 'message.dropped');
    assert.equal(dropped[0]!.clientId, 'sleepy');
    assert.equal(dropped[0]!.reason, 'offline-queue-full');
    assert.equal(dropped[0]!.topic, 'q/t');
    // qpub's clean session ended at its disconnect; brief's after its 1 s expiry interval; sleepy's lives on.
    assert.deepEqual(events.filter((x) => x.event === 'session.expired').map((x) => x.clientId).sort(), ['brief', 'qpub']);
  });
});
