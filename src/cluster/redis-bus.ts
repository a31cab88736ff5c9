// Cluster mode on Redis: nodes announce their subscription filters, send each message to the nodes that need it
// through a per-node Redis stream, and share retained messages.
//
// Keys (prefix `swiftlet:` by default):
//   <p>nodes                 set of node ids that have joined
//   <p>node:<id>             liveness key, refreshed every heartbeat, expires when the node stops beating
//   <p>routes:<id>           set of the node's filters (`$share/<group>/<filter>` for shared ones)
//   <p>inbox:<id>            stream of envelopes for the node (consumer group `g`), acknowledged after routing
//   <p>retained              hash topic → envelope of every retained message
//   <p>owner:<client>, <p>owned:<id>, <p>claim:<id>: session ownership (session-directory.ts)
// Channels: <p>routes (`+`/`-` NUL node NUL filter), <p>nodes (`up`/`down` NUL node), <p>retained (node NUL envelope),
// <p>ctl:<id> (JSON requests to node <id>: session handover and its answer).
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import type { BrokerLogger } from '../options.js';
import type { Message } from '../routing/message.js';
import { FULL_SCOPE } from './bus.js';
import type { Bus, BusReceiver, Claim, RouteScope, SessionOwnership } from './bus.js';
import { decodeEnvelope, encodeEnvelope } from './envelope.js';
import { RouteTable } from './route-table.js';
import { SessionDirectory } from './session-directory.js';

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
/** How long a claim on a node (its adoption, or its own start) holds at most. */
const CLAIM_MS = 30_000;

/** A control message between nodes. */
type Control = { op: 'handover'; client: string; from: string; req: string } | { op: 'handed'; req: string; ok: boolean };

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

/** A Bus over Redis (single server or Sentinel), with session ownership across its nodes. */
export class RedisBus implements Bus, SessionOwnership {
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
  #directory: SessionDirectory | null = null;
  /** Handover requests sent and not answered, by request id. */
  readonly #requests = new Map<string, (ok: boolean) => void>();
  #requestSeq = 0;
  /** Adoptions of dead nodes running here (or waited for), by node id. */
  readonly #adopting = new Map<string, Promise<void>>();
  /** Marker entries this node put in its own inbox, with who waits until the read loop has routed up to them. */
  readonly #markers = new Map<string, () => void>();
  /** The id of the last inbox entry routed and stored here. */
  #routedUpTo = '0-0';
  /** When each node in the cluster was first seen without its liveness key. */
  readonly #deadSince = new Map<string, number>();
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

  get sessions(): SessionOwnership {
    return this;
  }

  get available(): boolean {
    return this.state === 'connected';
  }

  #timeoutMs(): number {
    return this.#options.nodeTimeoutMs ?? 5000;
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
    await sub.subscribe(this.#key('routes'), this.#key('nodes'), this.#key('retained'), this.#key('ctl', nodeId));
    await this.#createGroup();
    const directory = (this.#directory = new SessionDirectory(cmd, this.#prefix));
    // This node's sessions come back before it announces itself; a node adopting them (after a crash) finishes first.
    const waitUntil = Date.now() + CLAIM_MS;
    while (!(await directory.takeClaim(nodeId, nodeId, CLAIM_MS)) && Date.now() < waitUntil) await sleep(100);
    await receiver.adopt(await directory.owned(nodeId));
    await this.#announce();
    await this.#loadPeers();
    await this.#loadRetained();
    this.#started = true;
    this.state = 'connected';
    const beat = this.#options.heartbeatMs ?? 1000;
    this.#heartbeat = setInterval(() => void this.#beat(), beat);
    this.#heartbeat.unref();
    this.#reading = this.#readLoop();
    await directory.dropClaim(nodeId, nodeId);
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
      await cmd.set(this.#key('node', this.#nodeId), String(Date.now()), 'PX', this.#timeoutMs());
      const members = (await cmd.smembers(this.#key('nodes'))).filter((n) => n !== this.#nodeId);
      if (members.length === 0) return;
      const alive = await cmd.mget(...members.map((p) => this.#key('node', p)));
      const now = Date.now();
      members.forEach((p, i) => {
        if (alive[i] !== null) {
          this.#deadSince.delete(p);
          return;
        }
        const since = this.#deadSince.get(p);
        if (since === undefined) {
          this.#deadSince.set(p, now);
          this.#logger.warn({ node: p }, 'cluster: node stopped beating; its sessions are adopted by a live node');
        } else if (now - since > 3 * this.#timeoutMs()) {
          // Its routes stay (messages wait in its inbox) until the adopting node says `down`, but not forever.
          this.#routes.dropNode(p);
        }
        this.adoptFrom(p).catch((err: unknown) => this.#logger.warn({ node: p, err: String(err) }, 'cluster: adopting sessions failed; retrying'));
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
    } else if (channel === this.#key('ctl', this.#nodeId)) {
      let control: Control;
      try {
        control = JSON.parse(data.toString()) as Control;
      } catch {
        this.counters.malformed++;
        return;
      }
      if (control.op === 'handover') void this.#handOver(control.client, control.from, control.req);
      else this.#requests.get(control.req)?.(control.ok);
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
        if (fields[0]?.toString() !== 'marker') this.#route(fields[1], null);
      }
      // Acknowledged once routed here and stored for the persistent sessions that must get them: a crash before this
      // re-reads them at the restart (or the node adopting this one's sessions routes them).
      try {
        await this.#receiver!.durable();
      } catch {
        continue;
      }
      this.#routedUpTo = ids[ids.length - 1]!;
      for (const [m, reached] of this.#markers) if (streamIdAtMost(m, this.#routedUpTo)) reached();
      try {
        await this.#cmd!.multi().xack(inbox, 'g', ...ids).xdel(inbox, ...ids).exec();
      } catch (err) {
        this.#logger.warn({ err: String(err) }, 'cluster: acknowledging inbox entries failed');
      }
    }
  }

  /** Routes one inbox entry here; `only`: to the plain subscriptions of these sessions alone. */
  #route(bytes: Buffer | undefined, only: ReadonlySet<string> | null): void {
    if (bytes === undefined) return;
    let envelope;
    try {
      envelope = decodeEnvelope(bytes);
    } catch {
      this.counters.malformed++;
      return;
    }
    this.counters.received++;
    const scope: RouteScope = { plain: envelope.plain, groups: new Set(envelope.groups), except: null, only };
    try {
      this.#receiver!.message(envelope.message, scope);
    } catch (err) {
      this.#logger.error({ err }, 'cluster: routing a message from another node failed');
    }
  }

  claim(clientId: string): Promise<Claim> {
    return this.#directory!.claim(this.#nodeId, clientId);
  }

  release(clientId: string): void {
    if (!this.#started || this.#stopping) return;
    this.#directory!.release(this.#nodeId, clientId).catch((err: unknown) => this.#logger.warn({ clientId, err: String(err) }, 'cluster: releasing a session failed'));
  }

  requestHandover(owner: string, clientId: string): Promise<boolean> {
    const req = `${this.#nodeId}:${++this.#requestSeq}`;
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        this.#requests.delete(req);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), this.#timeoutMs());
      timer.unref();
      this.#requests.set(req, done);
      const control: Control = { op: 'handover', client: clientId, from: this.#nodeId, req };
      // Nobody listening on the owner's channel: it is not running (its liveness key has not expired yet).
      this.#cmd!.publish(this.#key('ctl', owner), JSON.stringify(control)).then(
        (listeners) => listeners === 0 && done(false),
        () => done(false),
      );
    });
  }

  /**
   * Resolves once the read loop has routed and stored everything in this node's inbox up to now: messages other nodes
   * sent here (and acknowledged to their publishers) reach a session before it leaves. Rejects after the node timeout.
   */
  async #inboxRouted(): Promise<void> {
    const id = await this.#cmd!.xadd(this.#key('inbox', this.#nodeId), '*', 'marker', '');
    if (id === null) throw new Error('cluster: no inbox marker');
    if (streamIdAtMost(id, this.#routedUpTo)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#markers.delete(id);
        reject(new Error('cluster: the inbox was not read in time'));
      }, this.#timeoutMs());
      timer.unref();
      this.#markers.set(id, () => {
        clearTimeout(timer);
        this.#markers.delete(id);
        resolve();
      });
    });
  }

  /** Another node asks for a session this node owns: let go of it, store it, make that node its owner, answer. */
  async #handOver(clientId: string, to: string, req: string): Promise<void> {
    let ok = true;
    try {
      await this.#inboxRouted();
      await this.#receiver!.handOver(clientId);
      await this.#directory!.transfer(this.#nodeId, clientId, to);
    } catch (err) {
      ok = false;
      this.#logger.warn({ clientId, node: to, err: String(err) }, 'cluster: handing a session over failed');
    }
    const answer: Control = { op: 'handed', req, ok };
    await this.#cmd!.publish(this.#key('ctl', to), JSON.stringify(answer)).catch(() => undefined);
  }

  adoptFrom(deadNode: string): Promise<void> {
    let running = this.#adopting.get(deadNode);
    if (running === undefined) {
      running = this.#adopt(deadNode).finally(() => this.#adopting.delete(deadNode));
      this.#adopting.set(deadNode, running);
    }
    return running;
  }

  /**
   * Takes over a dead node's sessions: one node wins the claim on it; that node moves the ownership of the dead node's
   * sessions to itself, loads them, routes to them what waits in the dead node's inbox, and tells the others the node
   * is down (they stop sending to it). Others wait until the claim is gone.
   */
  async #adopt(dead: string): Promise<void> {
    const directory = this.#directory!;
    const cmd = this.#cmd!;
    const me = this.#nodeId;
    if (this.#stopping) return;
    if (!(await directory.takeClaim(dead, me, CLAIM_MS))) {
      const until = Date.now() + CLAIM_MS;
      while (!this.#stopping && Date.now() < until && (await directory.claimed(dead))) await sleep(100);
      return;
    }
    try {
      if ((await cmd.exists(this.#key('node', dead))) === 1) return; // it is back
      const ids = await directory.adopt(dead, me);
      if (ids.length > 0) {
        this.#logger.info({ node: dead, sessions: ids.length }, 'cluster: adopting the sessions of a node that stopped beating');
        await this.#receiver!.adopt(ids);
      }
      const only = new Set(ids);
      await this.#drain(dead, only);
      await cmd
        .multi()
        .srem(this.#key('nodes'), dead)
        .del(this.#key('routes', dead), this.#key('node', dead))
        .publish(this.#key('nodes'), `down${SEP}${dead}`)
        .exec();
      this.#routes.dropNode(dead);
      this.#deadSince.delete(dead);
      // What other nodes sent before they heard `down` is drained too.
      await sleep(this.#options.heartbeatMs ?? 1000);
      await this.#drain(dead, only);
      await cmd.del(this.#key('inbox', dead));
    } finally {
      await directory.dropClaim(dead, me).catch(() => undefined);
    }
  }

  /** Routes what waits in a dead node's inbox to the sessions adopted from it, and deletes it once stored. */
  async #drain(dead: string, only: ReadonlySet<string>): Promise<void> {
    const cmd = this.#cmd!;
    const inbox = this.#key('inbox', dead);
    while (!this.#stopping) {
      const entries = (await cmd.xrangeBuffer(inbox, '-', '+', 'COUNT', 512)) as [Buffer, Buffer[]][];
      if (entries.length === 0) return;
      const ids: string[] = [];
      for (const [id, fields] of entries) {
        ids.push(id.toString());
        this.#route(fields[1], only);
      }
      await this.#receiver!.durable();
      await cmd.xdel(inbox, ...ids);
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
        if (message.qos > 0) this.#receiver!.sent(Promise.reject(new Error('cluster: too many messages waiting for Redis')));
        continue;
      }
      const bytes = encodeEnvelope({ origin: this.#nodeId, message, plain: target.plain, groups: target.groups });
      this.#unsent++;
      // ioredis keeps command order per connection: messages to one node stay in publish order.
      const written = cmd.xadd(this.#key('inbox', node), '*', 'm', bytes);
      // A QoS 1/2 publisher is acknowledged once Redis has the message for every node that must get it.
      if (message.qos > 0) this.#receiver!.sent(written);
      written.then(
        () => this.#unsent--,
        (err: unknown) => {
          this.#unsent--;
          this.counters.dropped++;
          this.#logger.warn({ node, err: String(err) }, 'cluster: forwarding a message failed');
        },
      );
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
    for (const done of this.#requests.values()) done(false);
    if (cmd !== null && this.#started && cmd.status === 'ready') {
      const id = this.#nodeId;
      // A node that owns sessions only stops beating: a live node adopts them (and what waits in its inbox) at once.
      const owns = await Promise.race([cmd.scard(this.#key('owned', id)), sleep(1000).then(() => 0)]).catch(() => 0);
      const leave =
        owns > 0
          ? cmd.del(this.#key('node', id))
          : cmd
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

/** True when stream entry id `a` (`<ms>-<seq>`) is not after `b`. */
function streamIdAtMost(a: string, b: string): boolean {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am < bm || (am === bm && as <= bs);
}

/** `$SYS/broker/...` describes one node and stays on it; everything else (its per-node copy included) is cluster-wide. */
function crossesNodes(topic: string): boolean {
  return !topic.startsWith('$SYS/') || topic.startsWith('$SYS/broker/nodes/');
}
