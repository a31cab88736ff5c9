// The Broker: options, listeners and hooks in; serve() and close(); the embedding API. Wiring only.
import { ReasonCode } from './codec/reason-codes.js';
import type { Hook, HookContext } from './hooks/hook.js';
import type { Listener } from './listeners/listener.js';
import { BrokerContext } from './context.js';
import { ConnectionState } from './connection/connection.js';
import { SwiftletError } from './errors.js';
import { inlinePublish, inlineSubscribe } from './routing/inline-client.js';
import type { InlinePublishOptions, InlineSubscribeOptions, InlineSubscription } from './routing/inline-client.js';
import { LIVE_CAPABILITIES, resolveCapabilities } from './options.js';
import type { BrokerOptions, Capabilities, LiveCapability } from './options.js';
import type { InlineHandler } from './session/session.js';
import type { Persistence } from './persistence/persistence.js';
import { restoreState } from './persistence/restore.js';
import type { Packet } from './codec/types.js';
import { EMPTY_PROPERTIES, PacketType } from './codec/types.js';
import { SysPublisher } from './sys/sys-publisher.js';
import { VERSION } from './version.js';
import { RedisBus } from './cluster/redis-bus.js';
import type { BusState, ClusterOptions } from './cluster/redis-bus.js';
import { clusterPersistence } from './cluster/cluster-storage.js';
import { Bridge } from './bridge/bridge.js';
import type { BridgeHost, BridgeOptions, BridgeStatus } from './bridge/bridge.js';
import { BridgeLoopGuard } from './bridge/loop-guard.js';
import { bridgeSysValues } from './bridge/bridge-sys.js';
import { duplexPair } from './bridge/duplex-pair.js';

/** What a node knows of its cluster. */
export interface ClusterInfo {
  readonly nodeId: string;
  /** `connected`, or `degraded` while Redis is unreachable (local traffic still flows). */
  readonly state: BusState;
  /** The other live nodes with subscribers. */
  readonly peers: readonly string[];
  /** Messages sent to other nodes, received from them, and envelopes that could not be read. */
  readonly forwarded: number;
  readonly received: number;
  readonly malformed: number;
  /** Messages for other nodes dropped while Redis could not take them. */
  readonly dropped: number;
}
import { dispatchPacket, failConnection } from './handlers/dispatch.js';
import { messageFromPublish } from './routing/publish-pipeline.js';
import { createMessage } from './routing/message.js';
import { webhookStatuses } from './broker-views.js';
import { clientSnapshot, clientSnapshots, detailedStats, queueDepths, retainedSnapshot, retainedSnapshots, subscriptionSnapshots } from './broker-views.js';
import type { WebhookStatus } from './broker-views.js';
import type { ClientSnapshot, DetailedStats, ListenerInfo, QueueDepths, RetainedSnapshot, SubscriptionSnapshot } from './broker-views.js';

/** An MQTT broker. Add listeners and hooks, then `await serve()`; `await close()` stops it and releases everything. */
export class Broker {
  readonly #ctx: BrokerContext;
  readonly #listeners = new Map<string, Listener>();
  readonly #sys: SysPublisher;
  readonly #maximumStoredBytes: number;
  readonly #clusterOptions: ClusterOptions | undefined;
  readonly #bridges = new Map<string, Bridge>();
  #loopGuard: BridgeLoopGuard | undefined;
  #serving = false;
  #ready = false;
  #closed = false;

  constructor(options: BrokerOptions = {}) {
    this.#ctx = new BrokerContext(options);
    this.#sys = new SysPublisher(this.#ctx, options.sysInterval ?? 10, VERSION, () => bridgeSysValues(this.bridges()));
    const maxStored = options.maximumStoredBytes ?? 0;
    if (!Number.isInteger(maxStored) || maxStored < 0) {
      throw new SwiftletError('SWIFTLET_ERR_OPTIONS_INVALID', `maximumStoredBytes: expected an integer >= 0, found ${JSON.stringify(maxStored)}`);
    }
    this.#maximumStoredBytes = maxStored;
    this.#clusterOptions = options.cluster;
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

  /**
   * Changes capabilities of a running broker; only those in LIVE_CAPABILITIES (the ones connected clients were not told
   * about), checked with the same rules as at construction. Throws (changing nothing) on another key or a bad value.
   */
  updateCapabilities(changes: Partial<Pick<Capabilities, LiveCapability>>): void {
    for (const key of Object.keys(changes)) {
      if (!(LIVE_CAPABILITIES as readonly string[]).includes(key)) throw new RangeError(`capability ${key} cannot change while the broker runs`);
    }
    const next = resolveCapabilities({ ...this.#ctx.capabilities, ...changes });
    Object.assign(this.#ctx.capabilities, next);
    if ('memoryHighWaterMark' in changes) this.#ctx.sampleMemory();
  }

  /** Live counters (expired retained messages are purged first, so they are never counted). */
  get stats(): Readonly<Record<string, number>> {
    this.#ctx.retained.purgeExpired();
    return this.#ctx.stats.snapshot();
  }

  /** True between serve() and close(). */
  get serving(): boolean {
    return this.#serving;
  }

  /** Cluster mode: this node's id, the bus state, the other live nodes and message counters; undefined on a single node. */
  get cluster(): ClusterInfo | undefined {
    const bus = this.#ctx.bus;
    if (!(bus instanceof RedisBus)) return undefined;
    return { nodeId: bus.nodeId, state: bus.state, peers: bus.peers, ...bus.counters };
  }

  /** True once serve() has bound every listener, false again as soon as close() starts (readiness probes). */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Adds a hook (runs after the ones added before, or just before the hook with id `options.before`).
   * When serving, its `init` runs now.
   */
  async addHook(hook: Hook, options?: { before?: string }): Promise<void> {
    this.#ctx.hooks.add(hook, options?.before);
    if (this.#serving && hook.init !== undefined) await hook.init(this.#hookContext());
  }

  /** What every hook's init receives. */
  #hookContext(): HookContext {
    const hooks = this.#ctx.hooks;
    return {
      logger: this.#ctx.logger,
      brokerId: this.#ctx.id,
      disconnectClient: (id, reasonCode) => this.disconnectClient(id, reasonCode),
      invalidateAclCache: () => hooks.invalidateAclCache(),
    };
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
    await ctx.hooks.init(this.#hookContext());
    // A cluster's nodes share one store: each loads the sessions it owns when it joins (bus start), not all of them.
    const cluster = this.#clusterOptions;
    if (cluster !== undefined) ctx.persistence = clusterPersistence(cluster, ctx.persistence);
    const state = await (cluster === undefined ? ctx.persistence.open() : ctx.persistence.open({ sessions: false }));
    ctx.openJournal(this.#maximumStoredBytes);
    const restored = restoreState(ctx, state);
    if (restored.sessions + restored.retained + restored.skipped > 0) ctx.logger.info(restored, 'persisted state restored');
    const journal = ctx.journal;
    await ctx.bus.start(ctx.id, {
      message: (message, scope) => ctx.router.routeFromCluster(message, scope),
      retained: (message) => ctx.router.retainedFromCluster(message),
      sent: (written) => journal.awaitWrite(written),
      durable: () => journal.settled(),
      adopt: (clientIds) => ctx.cluster!.adopt(clientIds),
      handOver: (clientId) => ctx.cluster!.handOver(clientId),
    });
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
    for (const bridge of this.#bridges.values()) await bridge.start();
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
    for (const bridge of this.#bridges.values()) bridge.stop();
    ctx.closing = true;
    await Promise.allSettled([...this.#listeners.values()].map((l) => l.close()));
    // Commit what is recorded, so acknowledgements waiting for it still go out before the connections close.
    await ctx.journal.flush().catch((err: unknown) => ctx.logger.warn({ err }, 'storage not committed at shutdown'));
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
    ctx.journal.stop();
    // A failed close is reported (onError, the warning, the counter); the broker still stops.
    await ctx.persistence.close().catch((err: unknown) => ctx.storageFailures.report(err, 'close', undefined));
    await ctx.bus.stop();
    this.#serving = false;
    if (ctx.hooks.onStopped !== null) ctx.hooks.notify('onStopped');
    await ctx.hooks.stop();
  }

  /**
   * Adds a bridge to another broker (see docs/bridge.md). It starts with serve(), or now when the broker is serving,
   * and stops with close(). Names are unique.
   */
  async addBridge(options: BridgeOptions): Promise<Bridge> {
    if (this.#closed) throw new SwiftletError('SWIFTLET_ERR_BROKER_CLOSED', 'the broker is closed');
    if (this.#bridges.has(options.name)) {
      throw new SwiftletError('SWIFTLET_ERR_BRIDGE_DUPLICATE_NAME', `a bridge named ${JSON.stringify(options.name)} exists`);
    }
    const ctx = this.#ctx;
    if (this.#loopGuard === undefined) {
      this.#loopGuard = new BridgeLoopGuard(ctx.id);
      await this.addHook(this.#loopGuard);
    }
    const host: BridgeHost = {
      nodeId: ctx.id,
      logger: ctx.logger,
      connectLocal: () => {
        const [local, broker] = duplexPair();
        ctx.accept(broker, { listenerId: '$bridge', transport: 'bridge', remoteAddress: '', remotePort: 0, localAddress: '', localPort: 0 }, true);
        return local;
      },
      localSession: (clientId) => {
        const s = ctx.registry.get(clientId);
        return s === undefined ? undefined : { inflight: s.inflight.size, queued: s.queue.size, dropped: s.dropped, filters: [...s.subscriptions.keys()] };
      },
    };
    const bridge = new Bridge(host, options);
    this.#bridges.set(options.name, bridge);
    if (this.#serving) await bridge.start();
    return bridge;
  }

  /** Stops and removes a bridge; its local session (and what it still holds) stays. False if there is none. */
  removeBridge(name: string): boolean {
    const bridge = this.#bridges.get(name);
    if (bridge === undefined) return false;
    this.#bridges.delete(name);
    bridge.stop();
    return true;
  }

  /** Every bridge's state and counters. */
  bridges(): BridgeStatus[] {
    return [...this.#bridges.values()].map((b) => b.status());
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
    const conn = ctx.registry.clients.get(clientId);
    if (conn !== undefined) {
      const r = dispatchPacket(conn, packet);
      if (r !== undefined) r.catch((err: unknown) => failConnection(conn, err));
      return;
    }
    if (packet.type !== PacketType.PUBLISH) {
      throw new SwiftletError('SWIFTLET_ERR_CLIENT_UNKNOWN', `client ${JSON.stringify(clientId)} is not connected; only PUBLISH can be injected for it`);
    }
    const message = messageFromPublish(packet, clientId, true, ctx);
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
    return clientSnapshots(this.#ctx);
  }

  /** One client's session, or undefined. */
  client(id: string): ClientSnapshot | undefined {
    return clientSnapshot(this.#ctx, id);
  }

  /** Disconnects a client (5.0: DISCONNECT with `reasonCode`, default 0x98 administrative action). False if not connected. */
  disconnectClient(id: string, reasonCode: number = ReasonCode.ADMINISTRATIVE_ACTION): boolean {
    const conn = this.#ctx.registry.clients.get(id);
    if (conn === undefined) return false;
    conn.close(reasonCode);
    return true;
  }

  /** Retained messages, optionally those matching `filter`; expired ones are purged, never listed. */
  retained(filter = '#'): RetainedSnapshot[] {
    return retainedSnapshots(this.#ctx, filter);
  }

  /** Every subscription of every session (inline subscriptions excluded). */
  subscriptions(): SubscriptionSnapshot[] {
    return subscriptionSnapshots(this.#ctx);
  }

  /** The retained message of one topic name, or undefined (also when it has expired: it is purged). */
  retainedMessage(topic: string): RetainedSnapshot | undefined {
    return retainedSnapshot(this.#ctx, topic);
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

  /** Each webhook (a `Webhook` hook in the chain): its endpoint without credentials and its delivery counters. */
  webhooks(): WebhookStatus[] {
    return webhookStatuses(this.#ctx);
  }

  /** Inflight and offline-queue depths over all sessions, computed now (sum and largest). */
  queueDepths(): QueueDepths {
    return queueDepths(this.#ctx);
  }

  /** Counters too detailed for `stats`: packets by type, PUBLISH by QoS, refusals by reason code, drops by reason. */
  detailedStats(): DetailedStats {
    return detailedStats(this.#ctx);
  }
}
