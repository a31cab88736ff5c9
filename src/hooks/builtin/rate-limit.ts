// Per-client publish rate limits: token buckets for messages and bytes, enforced in onPublish.
import { ReasonCode } from '../../codec/reason-codes.js';
import type { PublishPacket } from '../../codec/types.js';
import { HookRejection } from '../hook.js';
import type { ClientInfo, Hook, HookContext, HookLogger } from '../hook.js';

/** Options of RateLimit; a missing rate means that dimension is unlimited. */
export interface RateLimitOptions {
  /** Hook id. Default `rate-limit`. */
  id?: string;
  /** PUBLISH packets per second per client. */
  publishPerSecond?: number;
  /** Payload bytes per second per client. */
  publishBytesPerSecond?: number;
  /** How many seconds of allowance a bucket holds, i.e. the largest burst. Default 1. */
  burst?: number;
  /**
   * 'reason' (default): refuse the message; a 5.0 QoS 1/2 publisher gets 0x97 Quota exceeded in PUBACK/PUBREC.
   * 'disconnect': close the connection with DISCONNECT 0x96 Message rate too high (messages) or 0x97 (bytes).
   */
  action?: 'reason' | 'disconnect';
  /** Clock in milliseconds; injectable for tests. Default performance.now. */
  now?: () => number;
}

/** One client's buckets. */
interface Bucket {
  messages: number;
  bytes: number;
  last: number;
  /** The client's first limited message was logged (once per connection). */
  logged: boolean;
}

/**
 * Limits how fast each client may publish. 3.1.1 clients have no reason codes: with 'reason' a QoS 0 message is
 * dropped silently and a QoS 1/2 message is acknowledged and dropped [MQTT-3.3.5-2]; with 'disconnect' the
 * connection is closed. The inline client (client null) is never limited. State is per client id and is dropped on
 * disconnect, so a reconnect starts with a full bucket.
 */
export class RateLimit implements Hook {
  readonly id: string;
  #rate: number | undefined;
  #byteRate: number | undefined;
  #burst = 1;
  #disconnect = false;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #logger: HookLogger | undefined;

  constructor(options: RateLimitOptions) {
    this.id = options.id ?? 'rate-limit';
    this.#now = options.now ?? (() => performance.now());
    this.configure(options);
  }

  /** Takes the broker's logger (the first limited message of each client is logged at warn). */
  init(ctx: HookContext): void {
    this.#logger = ctx.logger;
  }

  /** Changes the limits in place (the CLI does this on SIGHUP); buckets keep their tokens, capped at the new burst. */
  configure(options: Omit<RateLimitOptions, 'id' | 'now'>): void {
    for (const key of ['publishPerSecond', 'publishBytesPerSecond', 'burst'] as const) {
      const value = options[key];
      if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`${key} must be a positive number`);
    }
    this.#rate = options.publishPerSecond;
    this.#byteRate = options.publishBytesPerSecond;
    this.#burst = options.burst ?? 1;
    this.#disconnect = options.action === 'disconnect';
  }

  /** Logs a client's first limited message, so an operator learns why its messages go missing. */
  #limited(client: ClientInfo, bucket: Bucket, limit: 'messages' | 'bytes'): void {
    if (bucket.logged || this.#logger === undefined) return;
    bucket.logged = true;
    this.#logger.warn(
      {
        hook: this.id,
        clientId: client.id,
        protocolVersion: client.protocolVersion,
        limit: limit === 'messages' ? `${this.#rate} messages/s` : `${this.#byteRate} bytes/s`,
        action: this.#disconnect ? 'disconnect' : 'reason',
      },
      'publish rate limit reached; later limited messages of this connection are not logged',
    );
  }

  /** PUBLISH packets per second per client; undefined = not limited. */
  get publishPerSecond(): number | undefined {
    return this.#rate;
  }

  /** Payload bytes per second per client; undefined = not limited. */
  get publishBytesPerSecond(): number | undefined {
    return this.#byteRate;
  }

  /**
   * Takes one message and its payload bytes from the client's buckets, or throws HookRejection. A client whose own
   * limits (authenticate result, ledger user) set a rate is held to that rate by the broker instead of this one.
   */
  onPublish(client: ClientInfo | null, packet: PublishPacket): undefined {
    if (client === null || client.inline) return undefined;
    const own = client.limits;
    if (own !== undefined && (own.publishPerSecond !== undefined || own.publishBytesPerSecond !== undefined)) return undefined;
    const now = this.#now();
    let bucket = this.#buckets.get(client.id);
    if (bucket === undefined) {
      bucket = { messages: (this.#rate ?? 0) * this.#burst, bytes: (this.#byteRate ?? 0) * this.#burst, last: now, logged: false };
      this.#buckets.set(client.id, bucket);
    } else {
      const seconds = Math.max(0, now - bucket.last) / 1000;
      bucket.last = now;
      if (this.#rate !== undefined) bucket.messages = Math.min(this.#rate * this.#burst, bucket.messages + seconds * this.#rate);
      if (this.#byteRate !== undefined) bucket.bytes = Math.min(this.#byteRate * this.#burst, bucket.bytes + seconds * this.#byteRate);
    }
    if (this.#rate !== undefined) {
      if (bucket.messages < 1) {
        this.#limited(client, bucket, 'messages');
        // 0x96 is only valid in DISCONNECT; a PUBACK/PUBREC refusal has to say 0x97 (reason code table, 2.4).
        throw this.#disconnect
          ? new HookRejection(ReasonCode.MESSAGE_RATE_TOO_HIGH, 'message rate too high', { disconnect: true })
          : new HookRejection(ReasonCode.QUOTA_EXCEEDED, 'message rate too high');
      }
    }
    const size = packet.payload.length;
    if (this.#byteRate !== undefined && bucket.bytes < size) {
      this.#limited(client, bucket, 'bytes');
      throw new HookRejection(ReasonCode.QUOTA_EXCEEDED, 'byte rate too high', { disconnect: this.#disconnect });
    }
    if (this.#rate !== undefined) bucket.messages -= 1;
    if (this.#byteRate !== undefined) bucket.bytes -= size;
    return undefined;
  }

  /** Forgets the client's buckets. */
  onDisconnected(client: ClientInfo): void {
    this.#buckets.delete(client.id);
  }

  /** Number of clients with live buckets (for tests and metrics). */
  get trackedClients(): number {
    return this.#buckets.size;
  }
}
