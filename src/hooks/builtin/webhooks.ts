// Webhook: posts broker events (connections, sessions, messages) to an HTTP endpoint in signed, ordered batches.
import type { DisconnectInfo, ClientInfo, DropReason, Hook, HookContext, HookLogger } from '../hook.js';
import type { PublishPacket } from '../../codec/types.js';
import { matchesFilter } from './acl-filter.js';
import type { BatcherStats } from './batcher.js';
import { redactUrl } from './http-caller.js';
import { CONNECTED, DISCONNECTED, DROPPED, PUBLISHED, SESSION_EXPIRED, RecordWriter, WEBHOOK_EVENTS, stringBound } from './webhook-record.js';
import type { WebhookEvent } from './webhook-record.js';
import { DeliveryThread } from './webhook-thread.js';
import type { Worker } from 'node:worker_threads';

export { WEBHOOK_EVENTS } from './webhook-record.js';
export type { WebhookEvent } from './webhook-record.js';
export { WEBHOOK_SIGNATURE_HEADER, signWebhookBody } from './webhook-delivery.js';

/** Options of Webhook. */
export interface WebhookOptions {
  /** Hook id. Default `webhook`. */
  id?: string;
  url: string;
  /** Events to send. Default all of WEBHOOK_EVENTS. */
  events?: readonly WebhookEvent[];
  /** Topic filters a message event must match. Default `['#']` (every topic except `$` topics). */
  topics?: readonly string[];
  /** Largest batch (events per request) and longest wait for a batch to fill. Default 100 events, 200 ms. */
  batch?: { maxMessages?: number; maxDelayMs?: number };
  /** HMAC-SHA256 key; each request then carries the signature header. */
  secret?: string | Buffer;
  /** Extra request headers; never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Deadline of one request, ms. Default 5000. */
  timeoutMs?: number;
  /** Events held at most (waiting and being sent); newer ones are dropped and counted. Default 10000. */
  maxQueued?: number;
  /** Requests in flight at once; each client's events always use the same one, in order. Default 4. */
  concurrency?: number;
  /** Attempts per batch (exponential backoff between them) before it is dropped and counted. Default 10. */
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Logger until init() hands over the broker's. */
  logger?: HookLogger;
}

const SILENT: HookLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Bytes of one record chunk handed to the delivery thread (a larger record gets a chunk of its own). */
const CHUNK_BYTES = 16 * 1024;
/** Fixed part of a record: kind, timestamp and the numeric fields of any event. */
const RECORD_FIXED_BYTES = 16;
/** Least time between two warnings about events dropped because the queue was full. */
const DROP_WARNING_INTERVAL_MS = 10_000;

/**
 * Sends broker events to a URL as `POST {"brokerId", "events": [...]}`. Events of one client are delivered in
 * order; batches are retried with backoff; the queue is bounded and what it cannot hold is dropped and counted
 * (`stats()`). The broker's thread only appends a compact binary record (or, when the queue is full, counts a
 * drop); building the JSON, base64, signing and HTTP run on a worker thread, so a slow or dead endpoint costs
 * memory up to `maxQueued`, never time on the publish path.
 */
export class Webhook implements Hook {
  readonly id: string;
  readonly url: string;
  readonly #thread: DeliveryThread;
  readonly #writer: RecordWriter;
  /** `maxQueued`, or 0 once stopped (every later event is dropped). */
  #limit: number;
  /** The shared counter was read this turn while the queue was full. */
  #rechecked = false;
  readonly #events: ReadonlySet<WebhookEvent>;
  /** undefined = every non-`$` topic. */
  readonly #topics: readonly string[] | undefined;
  #dropLoggedAt = -Infinity;
  #logger: HookLogger;
  /** Events accepted and not known to be released: exact after `#recount()`, an upper bound otherwise. */
  #held = 0;
  #queued = 0;
  #droppedQueueFull = 0;
  /** Queue-full drops not yet logged. */
  #unloggedDrops = 0;
  #flushScheduled = false;
  #closed = false;
  readonly #idle: (() => void)[] = [];

  constructor(options: WebhookOptions) {
    this.id = options.id ?? 'webhook';
    this.url = options.url;
    this.#limit = Math.max(1, options.maxQueued ?? 10_000);
    this.#events = new Set(options.events ?? WEBHOOK_EVENTS);
    const topics = options.topics ?? ['#'];
    this.#topics = topics.includes('#') ? undefined : topics;
    this.#logger = options.logger ?? SILENT;
    this.#writer = new RecordWriter(CHUNK_BYTES, (chunk) => this.#thread.post(chunk));
    this.#thread = new DeliveryThread(
      {
        id: this.id,
        url: this.url,
        brokerId: '',
        headers: { 'content-type': 'application/json', 'user-agent': 'swiftlet-webhook', ...options.headers },
        secret: options.secret,
        timeoutMs: options.timeoutMs ?? 5000,
        maxMessages: Math.max(1, options.batch?.maxMessages ?? 100),
        maxDelayMs: Math.max(0, options.batch?.maxDelayMs ?? 200),
        maxQueued: this.#limit,
        lanes: Math.max(1, options.concurrency ?? 4),
        maxAttempts: Math.max(1, options.retry?.maxAttempts ?? 10),
        retryInitialMs: options.retry?.initialDelayMs ?? 100,
        retryMaxMs: options.retry?.maxDelayMs ?? 30_000,
      },
      () => this.#logger,
      () => this.#checkIdle(),
    );
    // Notify methods exist only for the chosen events, so the broker does not even call the others.
    if (!this.#events.has('client.connected')) this.onConnected = undefined;
    if (!this.#events.has('client.disconnected')) this.onDisconnected = undefined;
    if (!this.#events.has('session.expired')) this.onSessionExpired = undefined;
    if (!this.#events.has('message.published')) this.onPublished = undefined;
    if (!this.#events.has('message.dropped')) this.onMessageDropped = undefined;
  }

  /** Takes the broker's logger and id, and starts the delivery thread. */
  init(ctx: HookContext): void {
    this.#logger = ctx.logger;
    this.#thread.start(ctx.brokerId);
  }

  /** Sends what is queued (up to 2 s), then gives the rest up (counted as dropped) and ends the delivery thread. */
  async stop(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#limit = 0;
    this.#flush();
    await this.#thread.close(2000);
  }

  /** Delivery counters: queued, sent, dropped (queue full / failed), failed attempts, pending. */
  stats(): BatcherStats {
    const c = this.#thread.counts();
    return {
      queued: this.#queued,
      sent: c.sent,
      droppedQueueFull: this.#droppedQueueFull,
      droppedFailed: c.droppedFailed,
      failedAttempts: c.failedAttempts,
      pending: this.#recount(),
    };
  }

  /** Resolves when every accepted event was sent or given up. */
  whenIdle(): Promise<void> {
    this.#flush();
    if (this.#recount() === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The worker thread that serializes, signs and posts the events (undefined while none runs). */
  get deliveryThread(): Worker | undefined {
    return this.#thread.worker;
  }

  onConnected? = (client: ClientInfo): void => {
    if (!this.#admit()) return;
    const w = this.#writer;
    w.begin(CONNECTED, RECORD_FIXED_BYTES + stringBound(client.id) + stringBound(client.username) + stringBound(client.remoteAddress) + stringBound(client.listenerId));
    w.f64(Date.now());
    w.str(client.id);
    w.str(client.username);
    w.str(client.remoteAddress);
    w.str(client.listenerId);
    w.u8(client.protocolVersion);
    w.u8(client.clean ? 1 : 0);
    w.u16(client.keepAlive);
    this.#scheduleFlush();
  };

  onDisconnected? = (client: ClientInfo, info: DisconnectInfo): void => {
    if (!this.#admit()) return;
    const w = this.#writer;
    w.begin(DISCONNECTED, RECORD_FIXED_BYTES + stringBound(client.id) + stringBound(client.username));
    w.f64(Date.now());
    w.str(client.id);
    w.str(client.username);
    w.u8(info.reasonCode);
    w.u8(info.byServer ? 1 : 0);
    this.#scheduleFlush();
  };

  onSessionExpired? = (clientId: string): void => {
    if (!this.#admit()) return;
    const w = this.#writer;
    w.begin(SESSION_EXPIRED, RECORD_FIXED_BYTES + stringBound(clientId));
    w.f64(Date.now());
    w.str(clientId);
    this.#scheduleFlush();
  };

  onPublished? = (client: ClientInfo | null, packet: PublishPacket): void => {
    const topic = packet.topic;
    if (!this.#wants(topic) || !this.#admit()) return;
    const w = this.#writer;
    const clientId = client === null ? null : client.id;
    const username = client === null ? null : client.username;
    const payload = packet.payload;
    w.begin(PUBLISHED, RECORD_FIXED_BYTES + stringBound(clientId) + stringBound(username) + stringBound(topic) + 4 + payload.length);
    w.f64(Date.now());
    w.str(clientId);
    w.str(username);
    w.str(topic);
    w.u8(packet.qos);
    w.u8(packet.retain ? 1 : 0);
    w.bytes(payload);
    this.#scheduleFlush();
  };

  onMessageDropped? = (clientId: string, packet: PublishPacket, why: DropReason): void => {
    const topic = packet.topic;
    if (!this.#wants(topic) || !this.#admit()) return;
    const w = this.#writer;
    const payload = packet.payload;
    w.begin(DROPPED, RECORD_FIXED_BYTES + stringBound(clientId) + stringBound(topic) + stringBound(why) + 4 + payload.length);
    w.f64(Date.now());
    w.str(clientId);
    w.str(topic);
    w.u8(packet.qos);
    w.str(why);
    w.bytes(payload);
    this.#scheduleFlush();
  };

  #wants(topic: string): boolean {
    const filters = this.#topics;
    if (filters === undefined) return !topic.startsWith('$'); // `#` never matches `$` topics [MQTT-4.7.2-1]
    for (const filter of filters) if (matchesFilter(filter, topic)) return true;
    return false;
  }

  /**
   * Takes one event into the bounded queue, or counts it as dropped. While the local count says there is room an
   * event costs two increments; once it says full, the shared counter is read again only once per event-loop turn
   * (the flush clears `#rechecked`), so a full queue costs a comparison and a counter per dropped event.
   */
  #admit(): boolean {
    if (this.#held < this.#limit || (!this.#rechecked && this.#recheck())) {
      this.#held++;
      this.#queued++;
      return true;
    }
    this.#droppedQueueFull++;
    this.#unloggedDrops++;
    return false;
  }

  /** Reads how much the delivery thread released; true when there is room now. */
  #recheck(): boolean {
    this.#rechecked = true;
    this.#scheduleFlush();
    return this.#recount() < this.#limit;
  }

  /** The exact number of events held (not yet written out, in the thread's hands, or waiting to be sent). */
  #recount(): number {
    this.#held = this.#writer.count + this.#thread.outstanding();
    return this.#held;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // Once per event-loop turn: every record of the turn goes to the delivery thread in one message.
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    this.#rechecked = false;
    const chunk = this.#writer.take();
    if (chunk !== undefined) this.#thread.post(chunk);
    // Checked once per turn, not per drop: the warning says how many were dropped since the last one.
    if (this.#unloggedDrops > 0 && Date.now() - this.#dropLoggedAt >= DROP_WARNING_INTERVAL_MS) {
      const count = this.#unloggedDrops;
      this.#unloggedDrops = 0;
      this.#dropLoggedAt = Date.now();
      this.#logger.warn({ hook: this.id, url: redactUrl(this.url), count, why: 'queue-full' }, `${this.id}: events dropped (queue-full)`);
    }
  }

  #checkIdle(): void {
    if (this.#idle.length === 0 || this.#recount() !== 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }
}
