// The delivery side of a webhook, run on its own thread: turns records into JSON events, batches them per lane,
// signs and POSTs each batch, retries with backoff, and publishes its counters in shared memory.
import { createHmac } from 'node:crypto';
import type { HookLogger } from '../hook.js';
import { Batcher } from './batcher.js';
import { DeliveryCounters } from './webhook-counters.js';
import { CONNECTED, DISCONNECTED, DROPPED, PUBLISHED, SESSION_EXPIRED, RecordReader } from './webhook-record.js';
import type { RecordChunk } from './webhook-record.js';
import { redactUrl } from './http-caller.js';
import { ThrottledWarning } from './throttled-warning.js';
import { WebhookTransport } from './webhook-transport.js';

/** The header carrying `sha256=<hex HMAC-SHA256 of the body>` when a secret is set. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-swiftlet-signature';

/** The signature header value for a body: `sha256=` and the hex HMAC-SHA256 of the exact bytes sent. */
export function signWebhookBody(secret: string | Uint8Array, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What the delivery thread is started with (structured-clone safe). */
export interface DeliverySettings {
  id: string;
  url: string;
  brokerId: string;
  headers: Record<string, string>;
  secret: string | Uint8Array | undefined;
  timeoutMs: number;
  maxMessages: number;
  maxDelayMs: number;
  maxQueued: number;
  lanes: number;
  maxAttempts: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** The DeliveryCounters buffer. */
  counters: SharedArrayBuffer;
}

/** Broker thread → delivery thread. */
export type ToDelivery = { type: 'records'; chunk: RecordChunk } | { type: 'close'; graceMs: number };

/** Delivery thread → broker thread. */
export type FromDelivery =
  | { type: 'log'; level: 'warn' | 'error'; obj: Record<string, unknown>; msg: string }
  | { type: 'idle' }
  | { type: 'closed' };

/**
 * Receives record chunks in publish order and delivers them. Every client's events use one lane of the Batcher,
 * so they arrive in order; the bound on queued events is enforced by the broker's thread before it writes a record.
 */
export class WebhookDelivery {
  readonly #settings: DeliverySettings;
  readonly #counters: DeliveryCounters;
  readonly #batcher: Batcher<string>;
  readonly #transport: WebhookTransport;
  readonly #prefix: string;
  readonly #logger: HookLogger;
  readonly #warning = new ThrottledWarning();
  readonly #dropWarning = new ThrottledWarning();

  constructor(settings: DeliverySettings, send: (msg: FromDelivery) => void) {
    this.#settings = settings;
    this.#counters = new DeliveryCounters(settings.counters);
    this.#transport = new WebhookTransport(settings.url, settings.lanes, settings.timeoutMs);
    this.#prefix = `{"brokerId":${JSON.stringify(settings.brokerId)},"events":[`;
    const log = (level: 'warn' | 'error') => (obj: Record<string, unknown>, msg: string) => send({ type: 'log', level, obj, msg });
    this.#logger = { debug() {}, info() {}, warn: log('warn'), error: log('error') };
    this.#batcher = new Batcher<string>({
      send: (batch) => this.#post(batch),
      maxItems: settings.maxMessages,
      maxDelayMs: settings.maxDelayMs,
      // The broker's thread keeps the bound; this one only guards against a miscount.
      maxQueued: settings.maxQueued * 2,
      lanes: settings.lanes,
      maxAttempts: settings.maxAttempts,
      retryInitialMs: settings.retryInitialMs,
      retryMaxMs: settings.retryMaxMs,
      onDrop: (count, why) => {
        this.#dropWarning.warn(this.#logger, { hook: settings.id, url: redactUrl(settings.url), count, why }, `${settings.id}: events dropped (${why})`);
      },
      onChange: (stats) => {
        this.#counters.write(stats.sent, stats.droppedFailed + stats.droppedQueueFull, stats.failedAttempts);
        if (stats.pending === 0) send({ type: 'idle' });
      },
    });
  }

  /** Queues the events of a chunk, in order. */
  receive(chunk: RecordChunk): void {
    decodeRecords(chunk, (key, json) => this.#batcher.add(key, json));
  }

  /** Sends what is queued (one attempt per batch, for up to `graceMs`), then gives the rest up (counted). */
  async close(graceMs: number): Promise<void> {
    await this.#batcher.close(graceMs);
    this.#transport.close();
    const stats = this.#batcher.stats();
    this.#counters.write(stats.sent, stats.droppedFailed + stats.droppedQueueFull, stats.failedAttempts);
  }

  async #post(batch: string[]): Promise<'ok' | 'retry' | 'drop'> {
    const { id, url, secret } = this.#settings;
    const body = `${this.#prefix}${batch.join(',')}]}`;
    const headers = secret === undefined ? this.#settings.headers : { ...this.#settings.headers, [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(secret, body) };
    const outcome = await this.#transport.post(headers, body);
    if ('error' in outcome) {
      this.#warning.warn(this.#logger, { hook: id, url: redactUrl(url), error: outcome.error }, `${id}: request failed (${outcome.error})`);
      return 'retry';
    }
    const status = outcome.status;
    if (status >= 200 && status < 300) return 'ok';
    this.#warning.warn(this.#logger, { hook: id, url: redactUrl(url), status }, `${id}: endpoint answered ${status}`);
    // 408, 429 and 5xx are worth another try; any other status will not change by repeating the request.
    return status === 408 || status === 429 || status >= 500 ? 'retry' : 'drop';
  }
}

/** Hands over each event of a chunk as JSON text with its client id (the lane key); the field order is the documented one. */
function decodeRecords(chunk: RecordChunk, add: (key: string, json: string) => void): void {
  const r = new RecordReader(chunk);
  while (!r.done) {
    const kind = r.u8();
    const timestamp = r.f64();
    const clientId = r.str();
    const head = `"timestamp":${timestamp},"clientId":${JSON.stringify(clientId)}`;
    let json: string;
    switch (kind) {
      case PUBLISHED: {
        const username = JSON.stringify(r.str());
        const topic = JSON.stringify(r.str());
        const qos = r.u8();
        const retain = r.u8() === 1;
        json = `{"event":"message.published",${head},"username":${username},"topic":${topic},"qos":${qos},"retain":${retain},"payload":"${r.base64()}"}`;
        break;
      }
      case DROPPED: {
        const topic = JSON.stringify(r.str());
        const qos = r.u8();
        const reason = JSON.stringify(r.str());
        json = `{"event":"message.dropped",${head},"topic":${topic},"qos":${qos},"reason":${reason},"payload":"${r.base64()}"}`;
        break;
      }
      case CONNECTED: {
        const username = JSON.stringify(r.str());
        const remoteAddress = JSON.stringify(r.str());
        const listener = JSON.stringify(r.str());
        const protocolVersion = r.u8();
        const clean = r.u8() === 1;
        const keepAlive = r.u16();
        json = `{"event":"client.connected",${head},"username":${username},"remoteAddress":${remoteAddress},"listener":${listener},"protocolVersion":${protocolVersion},"clean":${clean},"keepAlive":${keepAlive}}`;
        break;
      }
      case DISCONNECTED: {
        const username = JSON.stringify(r.str());
        const reasonCode = r.u8();
        const byServer = r.u8() === 1;
        json = `{"event":"client.disconnected",${head},"username":${username},"reasonCode":${reasonCode},"byServer":${byServer}}`;
        break;
      }
      case SESSION_EXPIRED:
        json = `{"event":"session.expired",${head}}`;
        break;
      default:
        throw new Error(`webhook: unknown record kind ${kind}`);
    }
    add(clientId ?? '', json);
  }
}
