// The Broker: options, listeners and hooks in; serve() and close(); the embedding API. Wiring only.
import { ReasonCode } from './codec/reason-codes.js';
import type { Hook } from './hooks/hook.js';
import type { Listener, ListenerAddress, ListenerStats } from './listeners/listener.js';
import { BrokerContext } from './context.js';
import { ConnectionState } from './connection/connection.js';
import { SwiftletError } from './errors.js';
import { inlinePublish, inlineSubscribe } from './routing/inline-client.js';
import type { InlinePublishOptions, InlineSubscribeOptions, InlineSubscription } from './routing/inline-client.js';
import type { BrokerOptions, Capabilities } from './options.js';
import type { InlineHandler } from './session/session.js';
import type { Persistence } from './persistence/persistence.js';
import { restoreState } from './persistence/restore.js';
import { PendingSaver } from './persistence/pending-saver.js';
import type { Bus } from './cluster/bus.js';
import type { Packet, Properties, QoS } from './codec/types.js';
import { EMPTY_PROPERTIES, PacketType } from './codec/types.js';
import { SysPublisher } from './sys/sys-publisher.js';
import { VERSION } from './version.js';
import { dispatchPacket } from './handlers/dispatch.js';
import { messageFromPublish } from './routing/publish-pipeline.js';
import type { Message } from './routing/message.js';
import { createMessage } from './routing/message.js';

/** What the embedding program can read about a client session. */
export interface ClientSnapshot {
  readonly id: string;
  readonly connected: boolean;
  readonly protocolVersion: 3 | 4 | 5;
  readonly username: string | undefined;
  readonly remoteAddress: string;
  readonly listenerId: string;
  /** ms since epoch of the current (or last) connection. */
  readonly connectedAt: number;
  /** Keep alive in seconds as granted on the current (or last) connection; 0 = none. */
  readonly keepAlive: number;
  readonly sessionExpiryInterval: number;
  readonly subscriptions: { filter: string; qos: QoS }[];
  readonly inflight: number;
  readonly queued: number;
  readonly dropped: number;
}

/** One subscription as the management API lists it. */
export interface SubscriptionSnapshot {
  readonly clientId: string;
  /** The filter as the client sent it (with `$share/group/` when shared). */
  readonly filter: string;
  readonly qos: QoS;
  /** Share group name, or undefined for a normal subscription. */
  readonly group: string | undefined;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  /** Subscription Identifier, 0 when none. */
  readonly identifier: number;
}

/** A retained message as the embedding program sees it. */
export interface RetainedSnapshot {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly properties: Properties;
}

/** A listener's id, transport, bound address and counters. */
export interface ListenerInfo {
  readonly id: string;
  readonly transport: string;
  readonly address: ListenerAddress | undefined;
  readonly stats: ListenerStats | undefined;
}

/** An MQTT broker. Add listeners and hooks, then `await serve()`; `await close()` stops it and releases everything. */
export class Broker {
  readonly #ctx: BrokerContext;
  readonly #listeners = new Map<string, Listener>();
  readonly #sys: SysPublisher;
  readonly #pendingSaver: PendingSaver;
  readonly #pendingSaveInterval: number;
  #serving = false;
  #ready = false;
  #closed = false;

  constructor(options: BrokerOptions = {}) {
    this.#ctx = new BrokerContext(options);
    this.#sys = new SysPublisher(this.#ctx, options.sysInterval ?? 10, VERSION);
    this.#pendingSaver = new PendingSaver(this.#ctx);
    this.#pendingSaveInterval = options.pendingSaveInterval ?? 10;
  }

  /** Swiftlet's version. */
  static readonly version = VERSION;

  /** The broker's node id. */
  get id(): string {
    return this.#ctx.id;
  }

  /** The resolved capabilities (defaults merged with the options). */
  get capabilities(): Readonly<Capabilities> {
    return this.#ctx.capabilities;
  }

  /** Live counters. */
  get stats(): Readonly<Record<string, number>> {
    return this.#ctx.stats.snapshot();
  }

  /** True between serve() and close(). */
  get serving(): boolean {
    return this.#serving;
  }

  /** True once serve() has bound every listener, false again as soon as close() starts (readiness probes). */
  get ready(): boolean {
    return this.#ready;
  }

  /** Adds a hook (runs after the ones added before). When serving, its `init` runs now. */
  async addHook(hook: Hook): Promise<void> {
    this.#ctx.hooks.add(hook);
    if (this.#serving && hook.init !== undefined) await hook.init({ logger: this.#ctx.logger, brokerId: this.#ctx.id });
  }

  /** Removes a hook by id; its `stop` runs. */
  async removeHook(id: string): Promise<boolean> {
    const hook = this.#ctx.hooks.hooks.find((h) => h.id === id);
    if (hook === undefined) return false;
    this.#ctx.hooks.remove(id);
    if (hook.stop !== undefined) await hook.stop();
    return true;
  }

  /** Uses `persistence` for durable state; call before serve(). */
  setPersistence(persistence: Persistence): void {
    this.#ctx.persistence = persistence;
  }

  /** Joins a cluster through `bus`; call before serve(). */
  setBus(bus: Bus): void {
    this.#ctx.bus = bus;
  }

  /** Adds a listener; when the broker is serving, it starts listening now. */
  async addListener(listener: Listener): Promise<void> {
    if (this.#closed) throw new SwiftletError('SWIFTLET_ERR_BROKER_CLOSED', 'the broker is closed');
    if (this.#listeners.has(listener.id)) {
      throw new SwiftletError('SWIFTLET_ERR_LISTENER_DUPLICATE_ID', `a listener with id ${JSON.stringify(listener.id)} exists`);
    }
    this.#listeners.set(listener.id, listener);
    if (this.#serving) await this.#listen(listener);
  }

  /** Stops and removes a listener; connections it accepted stay open. */
  async removeListener(id: string): Promise<void> {
    const listener = this.#listeners.get(id);
    if (listener === undefined) throw new SwiftletError('SWIFTLET_ERR_LISTENER_UNKNOWN', `no listener with id ${JSON.stringify(id)}`);
    this.#listeners.delete(id);
    await listener.close();
  }

  /** The listeners added so far. */
  listeners(): Listener[] {
    return [...this.#listeners.values()];
  }

  async #listen(listener: Listener): Promise<void> {
    await listener.listen((stream, meta) => this.#ctx.accept(stream, meta));
  }

  /** Starts the broker: hooks, persistence (restoring what it kept), bus, then every listener. */
  async serve(): Promise<void> {
    if (this.#closed) throw new SwiftletError('SWIFTLET_ERR_BROKER_CLOSED', 'the broker is closed');
    if (this.#serving) throw new SwiftletError('SWIFTLET_ERR_BROKER_ALREADY_SERVING', 'serve() was already called');
    const ctx = this.#ctx;
    await ctx.hooks.init({ logger: ctx.logger, brokerId: ctx.id });
    const state = await ctx.persistence.open();
    const restored = restoreState(ctx, state);
    for (const record of state.queued) this.#pendingSaver.markStored(record.clientId);
    this.#pendingSaver.start(this.#pendingSaveInterval);
    if (restored.sessions + restored.retained + restored.skipped > 0) ctx.logger.info(restored, 'persisted state restored');
    await ctx.bus.start(ctx.id, () => undefined);
    this.#serving = true;
    ctx.startSweep();
    this.#sys.start();
    try {
      for (const listener of this.#listeners.values()) await this.#listen(listener);
    } catch (err) {
      await this.close();
      throw err;
    }
    this.#ready = !this.#closed;
    if (ctx.hooks.onStarted !== null) ctx.hooks.notify('onStarted');
  }

  /**
   * Stops gracefully: listeners close, 5.0 clients get DISCONNECT 0x8B, connections end (forced after
   * `graceMs`), persistence is flushed, hooks stop. Leaves no open handles.
   */
  async close(graceMs = 1000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ready = false;
    const ctx = this.#ctx;
    ctx.closing = true;
    await Promise.allSettled([...this.#listeners.values()].map((l) => l.close()));
    const open = [...ctx.connections];
    const done = open.map(
      (conn) =>
        new Promise<void>((resolve) => {
          if (conn.state === ConnectionState.CLOSED) return resolve();
          conn.stream.once('close', () => resolve());
          if (conn.state === ConnectionState.CONNECTED) conn.close(ReasonCode.SERVER_SHUTTING_DOWN);
          else conn.destroy();
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(done),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, graceMs);
      }),
    ]);
    if (timer !== undefined) clearTimeout(timer);
    for (const conn of ctx.connections) conn.destroy();
    ctx.stopSweep();
    this.#sys.stop();
    this.#pendingSaver.stop();
    const pending = this.#pendingSaver.save();
    if (pending > 0) ctx.logger.info({ messages: pending }, 'pending messages of persistent sessions saved');
    await ctx.persistence.flush();
    await ctx.persistence.close();
    await ctx.bus.stop();
    this.#serving = false;
    if (ctx.hooks.onStopped !== null) ctx.hooks.notify('onStopped');
    await ctx.hooks.stop();
  }

  /** Publishes a message from the embedding program (inline client). Returns how many sessions it reached. */
  publish(topic: string, payload: Buffer | string, options?: InlinePublishOptions): number {
    return inlinePublish(this.#ctx, topic, payload, options);
  }

  /** Subscribes a handler in-process; returns a handle whose `unsubscribe()` ends it. */
  subscribe(filter: string, handler: InlineHandler, options?: InlineSubscribeOptions): InlineSubscription {
    return inlineSubscribe(this.#ctx, filter, handler, options);
  }

  /**
   * Injects a packet as if `clientId` had sent it. For a connected client it goes through the normal
   * handlers (ACL and hooks included); otherwise only PUBLISH is accepted, from a synthetic client.
   */
  inject(clientId: string, packet: Packet): void {
    const ctx = this.#ctx;
    const conn = ctx.clients.get(clientId);
    if (conn !== undefined) {
      const r = dispatchPacket(conn, packet);
      if (r !== undefined) r.catch((err: unknown) => ctx.failConnection(conn, err));
      return;
    }
    if (packet.type !== PacketType.PUBLISH) {
      throw new SwiftletError('SWIFTLET_ERR_CLIENT_UNKNOWN', `client ${JSON.stringify(clientId)} is not connected; only PUBLISH can be injected for it`);
    }
    const message = messageFromPublish(packet.topic, packet.payload, packet.qos, packet.retain, packet.properties, clientId, true, ctx.capabilities.maximumMessageExpiryInterval);
    ctx.router.publish(message, null);
  }

  /** Calls per hook and event, with the time spent in them (estimated from sampled calls). */
  hookTimings(): { hook: string; event: string; calls: number; seconds: number }[] {
    return this.#ctx.hooks.timings();
  }

  /** Publishes the $SYS topics now (they are also published every `sysInterval` seconds). */
  publishSys(): void {
    this.#sys.publishNow();
  }

  /** Sessions known to the broker (connected or not). */
  clients(): ClientSnapshot[] {
    return [...this.#ctx.sessions.values()].map((s) => this.#snapshot(s.clientId)!);
  }

  /** One client's session, or undefined. */
  client(id: string): ClientSnapshot | undefined {
    return this.#snapshot(id);
  }

  #snapshot(id: string): ClientSnapshot | undefined {
    const s = this.#ctx.sessions.get(id);
    if (s === undefined) return undefined;
    const c = s.connection?.client ?? s.lastClient;
    return {
      id: s.clientId,
      connected: s.connection !== null,
      protocolVersion: s.protocolVersion,
      username: c?.username,
      remoteAddress: c?.remoteAddress ?? '',
      listenerId: c?.listenerId ?? '',
      connectedAt: c?.connectedAt ?? 0,
      keepAlive: c?.keepAlive ?? 0,
      sessionExpiryInterval: s.expiryInterval,
      subscriptions: [...s.subscriptions.values()].map((sub) => ({ filter: sub.topicFilter, qos: sub.qos })),
      inflight: s.inflight.size,
      queued: s.queuedCount,
      dropped: s.dropped,
    };
  }

  /** Disconnects a client (5.0: DISCONNECT with `reasonCode`, default 0x98 administrative action). False if not connected. */
  disconnectClient(id: string, reasonCode: number = ReasonCode.ADMINISTRATIVE_ACTION): boolean {
    const conn = this.#ctx.clients.get(id);
    if (conn === undefined) return false;
    conn.close(reasonCode);
    return true;
  }

  /** Retained messages, optionally those matching `filter`. */
  retained(filter = '#'): { topic: string; payload: Buffer; qos: QoS; properties: object }[] {
    const out: Message[] = [];
    this.#ctx.retained.match(filter, out);
    return out.map((m) => ({ topic: m.topic, payload: m.payload, qos: m.qos, properties: m.properties }));
  }

  /** Every subscription of every session (inline subscriptions excluded). */
  subscriptions(): SubscriptionSnapshot[] {
    const out: SubscriptionSnapshot[] = [];
    for (const s of this.#ctx.sessions.values()) {
      for (const sub of s.subscriptions.values()) {
        out.push({
          clientId: s.clientId,
          filter: sub.topicFilter,
          qos: sub.qos,
          group: sub.group,
          noLocal: sub.noLocal,
          retainAsPublished: sub.retainAsPublished,
          retainHandling: sub.retainHandling,
          identifier: sub.identifier,
        });
      }
    }
    return out;
  }

  /** The retained message of one topic name, or undefined. */
  retainedMessage(topic: string): RetainedSnapshot | undefined {
    const m = this.#ctx.retained.get(topic);
    if (m === undefined) return undefined;
    return { topic: m.topic, payload: m.payload, qos: m.qos, properties: m.properties };
  }

  /** Clears the retained message of a topic as an empty retained publish would (hooks, persistence); false if none. */
  deleteRetained(topic: string): boolean {
    if (this.#ctx.retained.get(topic) === undefined) return false;
    this.#ctx.router.storeRetained(createMessage(topic, Buffer.alloc(0), 0, true, EMPTY_PROPERTIES, null, 0));
    return true;
  }

  /** Each listener's id, transport, bound address and counters. */
  listenerInfo(): ListenerInfo[] {
    return [...this.#listeners.values()].map((l) => ({ id: l.id, transport: l.transport, address: l.address(), stats: l.stats?.() }));
  }

  /** Inflight and offline-queue depths over all sessions, computed now (sum and largest). */
  queueDepths(): { inflight: number; inflightMax: number; queued: number; queuedMax: number } {
    let inflight = 0;
    let inflightMax = 0;
    let queued = 0;
    let queuedMax = 0;
    for (const s of this.#ctx.sessions.values()) {
      const i = s.inflight.size;
      const q = s.queuedCount;
      inflight += i;
      queued += q;
      if (i > inflightMax) inflightMax = i;
      if (q > queuedMax) queuedMax = q;
    }
    return { inflight, inflightMax, queued, queuedMax };
  }

  /** Counters too detailed for `stats`: packets by type, PUBLISH by QoS, refusals by reason code, drops by reason. */
  detailedStats(): {
    packetsReceivedByType: readonly number[];
    packetsSentByType: readonly number[];
    publishReceivedByQoS: readonly number[];
    publishSentByQoS: readonly number[];
    connectionsRefusedByReason: readonly number[];
    droppedByReason: Readonly<Record<string, number>>;
  } {
    const s = this.#ctx.stats;
    return {
      packetsReceivedByType: s.packetsReceivedByType,
      packetsSentByType: s.packetsSentByType,
      publishReceivedByQoS: s.publishReceivedByQoS,
      publishSentByQoS: s.publishSentByQoS,
      connectionsRefusedByReason: s.connectionsRefusedByReason,
      droppedByReason: s.droppedByReason,
    };
  }
}
