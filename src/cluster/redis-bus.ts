// Cluster mode on Redis: nodes announce their subscription filters, send each message to the nodes that need it
// through a per-node Redis stream, and share retained messages.
//
// Keys (prefix `swiftlet:` by default):
//   <p>nodes                 set of node ids that have joined
//   <p>node:<id>             liveness key, refreshed every heartbeat, expires when the node stops beating
//   <p>routes:<id>           set of the node's filters (`$share/<group>/<filter>` for shared ones)
//   <p>inbox:<id>            stream of envelopes for the node (consumer group `g`), acknowledged after routing
//   <p>retained              hash topic → envelope of every retained message
// Channels: <p>routes (`+`/`-` NUL node NUL filter), <p>nodes (`up`/`down` NUL node), <p>retained (node NUL envelope).
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type { BrokerLogger } from '../options.js';
import type { Message } from '../routing/message.js';
import { FULL_SCOPE } from './bus.js';
import type { Bus, BusReceiver, RouteScope } from './bus.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { RouteTable } from './route-table.js';

/** How a node joins the cluster. */
export interface ClusterOptions {
  /** `redis://[user:password@]host:port[/db]`, or ioredis options (Sentinel: `sentinels` + `name`). */
  readonly redis: string | RedisOptions;
  /** Prefix of every Redis key and channel. Default `swiftlet:`. */
  readonly prefix?: string;
  /** Milliseconds between heartbeats. Default 1000. */
  readonly heartbeatMs?: number;
  /** A node silent this long (ms) is taken for dead. Default 5000. */
  readonly nodeTimeoutMs?: number;
}

/** The state of the bus, for readiness probes and metrics. */
export type BusState = 'starting' | 'connected' | 'degraded' | 'stopped';

const SEP = '\u0000';
/** Most envelopes waiting for Redis (an outage) before messages for other nodes are dropped and counted. */
const MAX_UNSENT = 100_000;

/** A Bus over Redis (single server or Sentinel). */
export class RedisBus implements Bus {
  readonly active = true;
  readonly #options: ClusterOptions;
  readonly #logger: BrokerLogger;
  readonly #prefix: string;
  readonly #routes = new RouteTable();
  #nodeId = '';
  #receiver: BusReceiver | null = null;
  #cmd: RedisClient | null = null;
  #sub: RedisClient | null = null;
  #reader: RedisClient | null = null;
  #heartbeat: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;
  #reading: Promise<void> | null = null;
  state: BusState = 'starting';
  /** Messages sent to and received from other nodes, and envelopes that could not be read. */
  readonly counters = { forwarded: 0, received: 0, malformed: 0, dropped: 0 };
  /** Envelopes handed to Redis and not yet confirmed. */
  #unsent = 0;
  #beating = false;
  /** The last write to Redis not yet confirmed (commands are answered in order, so it stands for all before it), or null. */
  #lastWrite: Promise<void> | null = null;

  /** Shared groups with strategy 'hash' keep one publisher's messages on one node's members. */
  readonly #stickyGroups: boolean;

  constructor(options: ClusterOptions, logger: BrokerLogger, sharedStrategy: 'round-robin' | 'random' | 'hash' = 'round-robin') {
    this.#options = options;
    this.#stickyGroups = sharedStrategy === 'hash';
    this.#logger = logger;
    this.#prefix = options.prefix ?? 'swiftlet:';
  }

  get nodeId(): string {
    return this.#nodeId;
  }

  /** Other live nodes this node knows of (those with at least one filter, or seen beating). */
  get peers(): string[] {
    return this.#routes.nodes();
  }

  #key(...parts: string[]): string {
    return this.#prefix + parts.join(':');
  }

  async start(nodeId: string, receiver: BusReceiver): Promise<void> {
    this.#nodeId = nodeId;
    this.#receiver = receiver;
    const { Redis } = await import('ioredis');
    const make = (): RedisClient => {
      const base: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: null, enableAutoPipelining: true };
      const r = typeof this.#options.redis === 'string' ? new Redis(this.#options.redis, base) : new Redis({ ...base, ...this.#options.redis });
      r.on('error', (err: Error) => this.#logger.warn({ err: err.message }, 'cluster: redis error'));
      return r;
    };
    const cmd = (this.#cmd = make());
    const sub = (this.#sub = make());
    this.#reader = make();
    cmd.on('close', () => this.#degraded());
    cmd.on('ready', () => this.#recovered());
    await Promise.all([cmd.connect(), sub.connect(), this.#reader.connect()]);
    sub.on('messageBuffer', (channel: Buffer, data: Buffer) => this.#onChannel(channel.toString(), data));
    await sub.subscribe(this.#key('routes'), this.#key('nodes'), this.#key('retained'));
    await this.#createGroup();
    await this.#announce();
    await this.#loadPeers();
    await this.#loadRetained();
    this.#started = true;
    this.state = 'connected';
    const beat = this.#options.heartbeatMs ?? 1000;
    this.#heartbeat = setInterval(() => void this.#beat(), beat);
    this.#heartbeat.unref();
    this.#reading = this.#readLoop();
  }

  /** Creates this node's inbox stream and its consumer group, unless they exist. */
  async #createGroup(): Promise<void> {
    try {
      await this.#cmd!.xgroup('CREATE', this.#key('inbox', this.#nodeId), 'g', '0', 'MKSTREAM');
    } catch (err) {
      if (!String(err).includes('BUSYGROUP')) throw err;
    }
  }

  /** Writes this node's liveness key and its filters, and tells the others to (re)load them. */
  async #announce(): Promise<void> {
    const cmd = this.#cmd!;
    const id = this.#nodeId;
    const routes = this.#key('routes', id);
    const filters = this.#routes.localFilters();
    const multi = cmd.multi().sadd(this.#key('nodes'), id).set(this.#key('node', id), String(Date.now()), 'PX', this.#options.nodeTimeoutMs ?? 5000).del(routes);
    if (filters.length > 0) multi.sadd(routes, ...filters);
    multi.publish(this.#key('nodes'), `up${SEP}${id}`);
    await multi.exec();
  }

  async #loadPeers(): Promise<void> {
    const cmd = this.#cmd!;
    const ids = (await cmd.smembers(this.#key('nodes'))).filter((n) => n !== this.#nodeId);
    for (const id of ids) await this.#loadPeer(id);
  }

  async #loadPeer(id: string): Promise<void> {
    const cmd = this.#cmd!;
    const alive = await cmd.exists(this.#key('node', id));
    if (alive === 0) {
      this.#routes.dropNode(id);
      return;
    }
    this.#routes.setRemote(id, await cmd.smembers(this.#key('routes', id)));
  }

  async #loadRetained(): Promise<void> {
    const all = await this.#cmd!.hgetallBuffer(this.#key('retained'));
    for (const bytes of Object.values(all)) {
      try {
        this.#receiver!.retained(decodeEnvelope(bytes).message);
      } catch {
        this.counters.malformed++;
      }
    }
  }

  async #beat(): Promise<void> {
    // One heartbeat at a time: while Redis is away, commands wait in the client's queue instead of piling up.
    if (this.#stopping || this.#cmd === null || this.#beating) return;
    const cmd = this.#cmd;
    this.#beating = true;
    try {
      await cmd.set(this.#key('node', this.#nodeId), String(Date.now()), 'PX', this.#options.nodeTimeoutMs ?? 5000);
      const peers = this.#routes.nodes();
      if (peers.length === 0) return;
      const alive = await cmd.mget(...peers.map((p) => this.#key('node', p)));
      peers.forEach((p, i) => {
        if (alive[i] === null) {
          this.#logger.warn({ node: p }, 'cluster: node stopped beating; its routes are dropped');
          this.#routes.dropNode(p);
        }
      });
    } catch (err) {
      this.#logger.warn({ err: String(err) }, 'cluster: heartbeat failed');
    } finally {
      this.#beating = false;
    }
  }

  #degraded(): void {
    if (this.#stopping || this.state === 'degraded') return;
    this.state = 'degraded';
    this.#logger.warn({}, 'cluster: redis connection lost; serving local traffic only until it returns');
  }

  #recovered(): void {
    if (!this.#started || this.#stopping || this.state !== 'degraded') return;
    this.state = 'connected';
    this.#logger.info({}, 'cluster: redis connection back; re-syncing routes');
    // Redis may have restarted empty: the inbox group, this node's entry and routes are written again.
    void this.#createGroup()
      .then(() => this.#announce())
      .then(() => this.#loadPeers())
      .catch((err: unknown) => this.#logger.warn({ err: String(err) }, 'cluster: re-sync failed'));
  }

  #onChannel(channel: string, data: Buffer): void {
    if (channel === this.#key('routes')) {
      const [op, node, filter] = data.toString().split(SEP) as [string, string, string];
      if (node === this.#nodeId || filter === undefined) return;
      if (op === '+') this.#routes.addRemote(node, filter);
      else this.#routes.removeRemote(node, filter);
    } else if (channel === this.#key('nodes')) {
      const [op, node] = data.toString().split(SEP) as [string, string];
      if (node === this.#nodeId || node === undefined) return;
      if (op === 'up') void this.#loadPeer(node).catch(() => undefined);
      else this.#routes.dropNode(node);
    } else if (channel === this.#key('retained')) {
      const at = data.indexOf(0);
      if (at < 0 || data.subarray(0, at).toString() === this.#nodeId) return;
      try {
        this.#receiver?.retained(decodeEnvelope(data.subarray(at + 1)).message);
      } catch {
        this.counters.malformed++;
      }
    }
  }

  /** Reads this node's inbox: first what it had not acknowledged before (a restart), then new envelopes. */
  async #readLoop(): Promise<void> {
    const inbox = this.#key('inbox', this.#nodeId);
    let from = '0';
    while (!this.#stopping) {
      let reply: [Buffer, [Buffer, Buffer[]][]][] | null;
      try {
        reply = (await this.#reader!.xreadgroupBuffer('GROUP', 'g', this.#nodeId, 'COUNT', 512, 'BLOCK', 1000, 'STREAMS', inbox, from)) as
          | [Buffer, [Buffer, Buffer[]][]][]
          | null;
      } catch (err) {
        if (this.#stopping) return;
        if (String(err).includes('NOGROUP')) await this.#createGroup().catch(() => undefined);
        else this.#logger.warn({ err: String(err) }, 'cluster: reading the inbox failed; retrying');
        await new Promise((r) => setTimeout(r, 500).unref());
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (entries.length === 0) {
        if (from === '0') from = '>';
        continue;
      }
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        ids.push(id.toString());
        const bytes = fields[1];
        if (bytes === undefined) continue;
        let envelope;
        try {
          envelope = decodeEnvelope(bytes);
        } catch {
          this.counters.malformed++;
          continue;
        }
        this.counters.received++;
        const scope: RouteScope = { plain: envelope.plain, groups: new Set(envelope.groups), except: null };
        try {
          this.#receiver!.message(envelope.message, scope);
        } catch (err) {
          this.#logger.error({ err }, 'cluster: routing a message from another node failed');
        }
      }
      // Acknowledged once routed here (queued for offline sessions included): a crash before this re-reads them.
      try {
        await this.#cmd!.multi().xack(inbox, 'g', ...ids).xdel(inbox, ...ids).exec();
      } catch (err) {
        this.#logger.warn({ err: String(err) }, 'cluster: acknowledging inbox entries failed');
      }
    }
  }

  routeAdded(filter: string): void {
    if (!this.#routes.addLocal(filter) || !this.#started) return;
    const cmd = this.#cmd!;
    cmd.sadd(this.#key('routes', this.#nodeId), filter).catch(() => undefined);
    // Redis hands a channel message to every subscriber before it answers the publisher: once this PUBLISH is
    // answered, the other nodes have the new route on their way in before anything the subscriber does next.
    this.#track(cmd.publish(this.#key('routes'), `+${SEP}${this.#nodeId}${SEP}${filter}`));
  }

  /** Remembers `command` as the last write (its failure is reported where it was sent). */
  #track(command: Promise<unknown>): void {
    const write: Promise<void> = command.then(
      () => this.#written(write),
      () => this.#written(write),
    );
    this.#lastWrite = write;
  }

  #written(write: Promise<void>): void {
    if (this.#lastWrite === write) this.#lastWrite = null;
  }

  written(): Promise<void> | null {
    // Without Redis the writes wait in the client's queue: acknowledgements do not wait for the outage to end.
    if (this.#lastWrite === null || this.state !== 'connected') return null;
    return this.#lastWrite;
  }

  routeRemoved(filter: string): void {
    if (!this.#routes.removeLocal(filter) || !this.#started) return;
    const cmd = this.#cmd!;
    cmd.srem(this.#key('routes', this.#nodeId), filter).catch(() => undefined);
    cmd.publish(this.#key('routes'), `-${SEP}${this.#nodeId}${SEP}${filter}`).catch(() => undefined);
  }

  forward(message: Message): RouteScope {
    if (!this.#started || !crossesNodes(message.topic)) return FULL_SCOPE;
    const plan = this.#routes.plan(message.topic, this.#stickyGroups ? (message.origin ?? message.topic) : null);
    if (plan === null) return FULL_SCOPE;
    const cmd = this.#cmd!;
    for (const [node, target] of plan.remote) {
      // While Redis is away the client queues commands; past the bound, messages for other nodes are dropped.
      if (this.#unsent >= MAX_UNSENT) {
        this.counters.dropped++;
        continue;
      }
      const bytes = encodeEnvelope({ origin: this.#nodeId, message, plain: target.plain, groups: target.groups });
      this.#unsent++;
      // ioredis keeps command order per connection: messages to one node stay in publish order.
      const sent = cmd.xadd(this.#key('inbox', node), '*', 'm', bytes);
      sent.then(
        () => this.#unsent--,
        (err: unknown) => {
          this.#unsent--;
          this.counters.dropped++;
          this.#logger.warn({ node, err: String(err) }, 'cluster: forwarding a message failed');
        },
      );
      // Only a message with an acknowledgement to hold needs the write tracked.
      if (message.qos > 0) this.#track(sent);
      this.counters.forwarded++;
    }
    return plan.local;
  }

  retained(message: Message): void {
    if (!this.#started || !crossesNodes(message.topic)) return;
    const cmd = this.#cmd!;
    const bytes = encodeEnvelope({ origin: this.#nodeId, message, plain: false, groups: [] });
    const write = message.payload.length === 0 ? cmd.hdel(this.#key('retained'), message.topic) : cmd.hset(this.#key('retained'), message.topic, bytes);
    write.catch((err: unknown) => this.#logger.warn({ err: String(err) }, 'cluster: storing a retained message failed'));
    this.#track(cmd.publish(this.#key('retained'), Buffer.concat([Buffer.from(this.#nodeId + SEP), bytes])));
  }

  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.state = 'stopped';
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    const cmd = this.#cmd;
    if (cmd !== null && this.#started && cmd.status === 'ready') {
      const id = this.#nodeId;
      const leave = cmd
        .multi()
        .srem(this.#key('nodes'), id)
        .del(this.#key('node', id), this.#key('routes', id))
        .publish(this.#key('nodes'), `down${SEP}${id}`)
        .exec();
      // Never wait long on Redis to stop: without the goodbye the others notice the missing heartbeat.
      await Promise.race([leave.catch(() => undefined), new Promise((r) => setTimeout(r, 1000).unref())]);
    }
    this.#reader?.disconnect();
    // The read loop ends when its blocking read is cut off; never let a stuck read hold up the broker's close.
    await Promise.race([this.#reading, new Promise((r) => setTimeout(r, 1000).unref())]);
    this.#sub?.disconnect();
    cmd?.disconnect();
  }
}

/** `$SYS/broker/...` describes one node and stays on it; everything else (its per-node copy included) is cluster-wide. */
function crossesNodes(topic: string): boolean {
  return !topic.startsWith('$SYS/') || topic.startsWith('$SYS/broker/nodes/');
}
