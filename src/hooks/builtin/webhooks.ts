// Webhook: posts broker events (connections, sessions, messages) to an HTTP endpoint in signed, ordered batches.
import { createHmac } from 'node:crypto';
import type { DisconnectInfo, ClientInfo, DropReason, Hook, HookContext, HookLogger } from '../hook.js';
import type { PublishPacket } from '../../codec/types.js';
import { matchesFilter } from './acl-filter.js';
import { Batcher } from './batcher.js';
import type { BatcherStats } from './batcher.js';
import { redactUrl } from './http-caller.js';
import { ThrottledWarning } from './throttled-warning.js';

/** The events a webhook can receive. */
export const WEBHOOK_EVENTS = ['client.connected', 'client.disconnected', 'session.expired', 'message.published', 'message.dropped'] as const;

/** Name of a webhook event. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** The header carrying `sha256=<hex HMAC-SHA256 of the body>` when a secret is set. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-swiftlet-signature';

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

/** One event as sent (the payload is still a Buffer; it becomes base64 when the batch is written). */
interface QueuedEvent {
  event: WebhookEvent;
  timestamp: number;
  clientId: string | null;
  fields: Record<string, unknown>;
  payload: Buffer | undefined;
}

const SILENT: HookLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * Sends broker events to a URL as `POST {"brokerId", "events": [...]}`. Events of one client are delivered in
 * order; batches are retried with backoff; the queue is bounded and what it cannot hold is dropped and counted
 * (`stats()`). Nothing here waits: the broker only appends to the queue, so a slow or dead endpoint costs
 * memory up to `maxQueued`, never latency on the publish path.
 */
export class Webhook implements Hook {
  readonly id: string;
  readonly url: string;
  readonly #batcher: Batcher<QueuedEvent>;
  readonly #headers: Record<string, string>;
  readonly #secret: string | Buffer | undefined;
  readonly #timeoutMs: number;
  readonly #events: ReadonlySet<WebhookEvent>;
  /** undefined = every non-`$` topic. */
  readonly #topics: readonly string[] | undefined;
  readonly #warning = new ThrottledWarning();
  readonly #dropWarning = new ThrottledWarning();
  #logger: HookLogger;
  #brokerId = '';

  constructor(options: WebhookOptions) {
    this.id = options.id ?? 'webhook';
    this.url = options.url;
    this.#secret = options.secret;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#headers = { 'content-type': 'application/json', 'user-agent': 'swiftlet-webhook', ...options.headers };
    this.#events = new Set(options.events ?? WEBHOOK_EVENTS);
    const topics = options.topics ?? ['#'];
    this.#topics = topics.includes('#') ? undefined : topics;
    this.#logger = options.logger ?? SILENT;
    this.#batcher = new Batcher<QueuedEvent>({
      send: (batch) => this.#post(batch),
      maxItems: options.batch?.maxMessages ?? 100,
      maxDelayMs: options.batch?.maxDelayMs ?? 200,
      maxQueued: options.maxQueued ?? 10_000,
      lanes: options.concurrency ?? 4,
      maxAttempts: options.retry?.maxAttempts ?? 10,
      retryInitialMs: options.retry?.initialDelayMs ?? 100,
      retryMaxMs: options.retry?.maxDelayMs ?? 30_000,
      onDrop: (count, why) => {
        // Called per dropped event while an endpoint is slow: decide first, build the log line only when it is due.
        if (this.#dropWarning.due()) this.#dropWarning.log(this.#logger, { hook: this.id, url: redactUrl(this.url), count, why }, `${this.id}: events dropped (${why})`);
      },
    });
    // Notify methods exist only for the chosen events, so the broker does not even call the others.
    if (!this.#events.has('client.connected')) this.onConnected = undefined;
    if (!this.#events.has('client.disconnected')) this.onDisconnected = undefined;
    if (!this.#events.has('session.expired')) this.onSessionExpired = undefined;
    if (!this.#events.has('message.published')) this.onPublished = undefined;
    if (!this.#events.has('message.dropped')) this.onMessageDropped = undefined;
  }

  /** Takes the broker's logger and id. */
  init(ctx: HookContext): void {
    this.#logger = ctx.logger;
    this.#brokerId = ctx.brokerId;
  }

  /** Sends what is queued (up to 2 s), then gives the rest up (counted as dropped). */
  async stop(): Promise<void> {
    await this.#batcher.close(2000);
  }

  /** Delivery counters: queued, sent, dropped (queue full / failed), failed attempts, pending. */
  stats(): BatcherStats {
    return this.#batcher.stats();
  }

  /** Resolves when every accepted event was sent or given up. */
  whenIdle(): Promise<void> {
    return this.#batcher.whenIdle();
  }

  onConnected? = (client: ClientInfo): void => {
    this.#add('client.connected', client.id, {
      username: client.username ?? null,
      remoteAddress: client.remoteAddress,
      listener: client.listenerId,
      protocolVersion: client.protocolVersion,
      clean: client.clean,
      keepAlive: client.keepAlive,
    });
  };

  onDisconnected? = (client: ClientInfo, info: DisconnectInfo): void => {
    this.#add('client.disconnected', client.id, { username: client.username ?? null, reasonCode: info.reasonCode, byServer: info.byServer });
  };

  onSessionExpired? = (clientId: string): void => {
    this.#add('session.expired', clientId, {});
  };

  onPublished? = (client: ClientInfo | null, packet: PublishPacket): void => {
    if (!this.#wants(packet.topic)) return;
    this.#add('message.published', client?.id ?? null, { username: client?.username ?? null, topic: packet.topic, qos: packet.qos, retain: packet.retain }, packet.payload);
  };

  onMessageDropped? = (clientId: string, packet: PublishPacket, why: DropReason): void => {
    if (!this.#wants(packet.topic)) return;
    this.#add('message.dropped', clientId, { topic: packet.topic, qos: packet.qos, reason: why }, packet.payload);
  };

  #wants(topic: string): boolean {
    const filters = this.#topics;
    if (filters === undefined) return !topic.startsWith('$'); // `#` never matches `$` topics [MQTT-4.7.2-1]
    for (const filter of filters) if (matchesFilter(filter, topic)) return true;
    return false;
  }

  #add(event: WebhookEvent, clientId: string | null, fields: Record<string, unknown>, payload?: Buffer): void {
    // Copy: the payload may be a view of a socket chunk that would otherwise stay alive while queued.
    const copy = payload === undefined ? undefined : Buffer.from(payload);
    this.#batcher.add(clientId ?? '', { event, timestamp: Date.now(), clientId, fields, payload: copy });
  }

  async #post(batch: QueuedEvent[]): Promise<'ok' | 'retry' | 'drop'> {
    const events = batch.map((e) => {
      const out: Record<string, unknown> = { event: e.event, timestamp: e.timestamp, clientId: e.clientId, ...e.fields };
      if (e.payload !== undefined) out.payload = e.payload.toString('base64');
      return out;
    });
    const body = JSON.stringify({ brokerId: this.#brokerId, events });
    const headers = this.#secret === undefined ? this.#headers : { ...this.#headers, [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(this.#secret, body) };
    try {
      const response = await fetch(this.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.#timeoutMs) });
      // Drain the body so the keep-alive connection can be reused.
      await response.arrayBuffer();
      if (response.ok) return 'ok';
      const status = response.status;
      this.#warning.warn(this.#logger, { hook: this.id, url: redactUrl(this.url), status }, `${this.id}: endpoint answered ${status}`);
      // 408, 429 and 5xx are worth another try; any other status will not change by repeating the request.
      return status === 408 || status === 429 || status >= 500 ? 'retry' : 'drop';
    } catch (err) {
      const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${this.#timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      this.#warning.warn(this.#logger, { hook: this.id, url: redactUrl(this.url), error: why }, `${this.id}: request failed (${why})`);
      return 'retry';
    }
  }
}

/** The signature header value for a body: `sha256=` and the hex HMAC-SHA256 of the exact bytes sent. */
export function signWebhookBody(secret: string | Buffer, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
