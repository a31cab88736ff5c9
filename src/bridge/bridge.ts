// A bridge: forwards messages between this broker and a remote one, both ways, per topic route. The remote side is an
// MqttClient over TCP/TLS/WebSocket; the local side is an MqttClient over an in-process stream with a persistent
// session (`$bridge/<name>`), so the broker's own session machinery holds the outbound queue: a message is
// acknowledged to the local broker only once the remote acknowledged it.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Properties, PublishPacket, QoS, SubscriptionRequest, UserProperty } from '../codec/types.js';
import type { BrokerLogger } from '../options.js';
import { isValidTopicFilter, topicMatches } from '../topics/validate.js';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { SwiftletError } from '../errors.js';
import { EXPIRED, MqttClient } from './mqtt-client.js';
import type { OutgoingMessage } from './mqtt-client.js';
import { BRIDGE_SCHEMES, openTransport } from './transport.js';
import type { BridgeTlsOptions } from './transport.js';

import { BRIDGE_CLIENT_PREFIX, BRIDGE_NODE_PROPERTY, BRIDGE_VIA_PROPERTY } from './names.js';

/** One topic route of a bridge. */
export interface BridgeTopic {
  /** Topic filter, without the prefixes. */
  readonly filter: string;
  /** `out`: local → remote; `in`: remote → local; `both`. */
  readonly direction: 'in' | 'out' | 'both';
  /** Highest QoS forwarded (a message goes at the lower of its own and this). Default 0. */
  readonly qos?: QoS;
  /** Prefix of the topic on this broker (subscribed with it, removed before forwarding out, added coming in). */
  readonly localPrefix?: string;
  /** Prefix of the topic on the remote broker. */
  readonly remotePrefix?: string;
}

/** A bridge's settings (the `bridges:` entries of the configuration file, with secrets already read). */
export interface BridgeOptions {
  /** Unique name: in logs, metrics, `$SYS/broker/bridges/<name>/…` and the local session `$bridge/<name>`. */
  readonly name: string;
  /** `mqtt://host:port`, `mqtts://…`, `ws://host:port/path` or `wss://…`. */
  readonly url: string;
  /** MQTT version spoken to the remote: 5 (default), 4 (3.1.1) or 3 (3.1). */
  readonly protocolVersion?: 3 | 4 | 5;
  /** Client id at the remote; default `<node id>-<name>`. */
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string | Buffer;
  readonly tls?: BridgeTlsOptions;
  /** Keep alive towards the remote, seconds; default 60. */
  readonly keepAlive?: number;
  /** Start a new session at the remote on every connect; default true. False keeps a persistent session there. */
  readonly cleanStart?: boolean;
  /** 5.0 Session Expiry Interval asked of the remote, seconds; default 0 with cleanStart, else 0xFFFFFFFF (never). */
  readonly sessionExpiryInterval?: number;
  readonly topics: readonly BridgeTopic[];
  /** Seconds before the first reconnect attempt; doubles per failure up to maxReconnectDelay, with jitter. Default 1. */
  readonly reconnectDelay?: number;
  /** Upper bound of the reconnect delay, seconds; default 60. */
  readonly maxReconnectDelay?: number;
  /** Seconds allowed for the transport and CONNACK; default 10. */
  readonly connectTimeout?: number;
  /** Outbound QoS 1/2 messages the bridge holds unacknowledged at once; the rest wait in its local session. Default 100. */
  readonly maxInflight?: number;
}

/** What a bridge reports (REST API, `$SYS`, `/metrics`). */
export interface BridgeStatus {
  readonly name: string;
  readonly url: string;
  readonly connected: boolean;
  /** Outbound QoS 1/2 messages not yet acknowledged by the remote (held by the bridge and waiting in its local session). */
  readonly queued: number;
  /** Messages brought in from the remote and accepted by this broker. */
  readonly forwardedIn: number;
  /** Messages sent to the remote (QoS 1/2: acknowledged by it). */
  readonly forwardedOut: number;
  /** Outbound messages lost: QoS 0 while disconnected, local queue full or expired, refused by the remote. */
  readonly dropped: number;
  /** Successful connections to the remote since start. */
  readonly connects: number;
  /** The last connection error or disconnect reason; null when none yet. */
  readonly lastError: string | null;
}

/** What a bridge needs from the broker it runs in. */
export interface BridgeHost {
  readonly nodeId: string;
  readonly logger: BrokerLogger;
  /** Opens a trusted in-process connection to the broker (no authentication, no ACL). */
  connectLocal(): Duplex;
  /** Queue counters and subscription filters of a local session, undefined when none. */
  localSession(clientId: string): { inflight: number; queued: number; dropped: number; filters: string[] } | undefined;
}

interface Route {
  readonly localFilter: string;
  readonly remoteFilter: string;
  readonly localPrefix: string;
  readonly remotePrefix: string;
  readonly qos: QoS;
  readonly out: boolean;
  readonly in: boolean;
}

// Echo tracking for remotes without No Local: forwarded messages are remembered this long.
const ECHO_WINDOW_MS = 60_000;

/** A running bridge: start(), stop(), status(). Created by `broker.addBridge(options)`. */
export class Bridge {
  readonly name: string;
  readonly #options: BridgeOptions;
  readonly #host: BridgeHost;
  readonly #url: URL;
  readonly #routes: Route[];
  readonly #local: MqttClient;
  readonly #remote: MqttClient;
  readonly #localId: string;
  readonly #v5: boolean;
  readonly #trackEchoes: boolean;
  // fingerprint → [count, last forwarded at]
  readonly #echoes = new Map<string, [number, number]>();
  #running = false;
  #attempt = 0;
  #timer: NodeJS.Timeout | undefined;
  #localTimer: NodeJS.Timeout | undefined;
  #connecting = false;
  // True once the remote accepted the connection and answered the route subscriptions.
  #ready = false;
  #forwardedIn = 0;
  #forwardedOut = 0;
  #dropped = 0;
  #connects = 0;
  #lastError: string | null = null;
  // The remote's node id when it is a Swiftlet (from its CONNACK), else undefined.
  #remoteNodeId: string | undefined;

  constructor(host: BridgeHost, options: BridgeOptions) {
    checkOptions(options);
    this.name = options.name;
    this.#options = options;
    this.#host = host;
    this.#url = new URL(options.url);
    this.#localId = BRIDGE_CLIENT_PREFIX + options.name;
    const version = options.protocolVersion ?? 5;
    this.#v5 = version === 5;
    this.#routes = options.topics.map((t) => {
      const localPrefix = t.localPrefix ?? '';
      const remotePrefix = t.remotePrefix ?? '';
      return {
        localFilter: localPrefix + t.filter,
        remoteFilter: remotePrefix + t.filter,
        localPrefix,
        remotePrefix,
        qos: t.qos ?? 0,
        out: t.direction !== 'in',
        in: t.direction !== 'out',
      };
    });
    // A 3.x remote sends our own messages back when an `in` route overlaps an `out` one: recognise them.
    this.#trackEchoes = !this.#v5 && this.#routes.some((r) => r.in);
    const cleanStart = options.cleanStart ?? true;
    this.#remote = new MqttClient(
      {
        protocolVersion: version,
        clientId: options.clientId ?? `${host.nodeId}-${options.name}`,
        username: options.username,
        password: typeof options.password === 'string' ? Buffer.from(options.password) : options.password,
        keepAlive: options.keepAlive ?? 60,
        cleanStart,
        sessionExpiryInterval: options.sessionExpiryInterval ?? (cleanStart ? 0 : 0xffffffff),
        receiveMaximum: options.maxInflight ?? 100,
        // Asks a Swiftlet remote for its node id (see names.ts); other brokers ignore it.
        userProperties: [[BRIDGE_NODE_PROPERTY, host.nodeId]],
      },
      { onMessage: (p, done) => this.#fromRemote(p, done), onClose: (reason) => this.#remoteClosed(reason) },
    );
    this.#local = new MqttClient(
      {
        protocolVersion: 5,
        clientId: this.#localId,
        keepAlive: 0,
        cleanStart: false,
        sessionExpiryInterval: 0xffffffff,
        receiveMaximum: options.maxInflight ?? 100,
      },
      { onMessage: (p, done) => this.#fromLocal(p, done), onClose: (reason) => this.#localClosed(reason) },
    );
  }

  /** The client id of the bridge's local session. */
  get localClientId(): string {
    return this.#localId;
  }

  /** Connects the local side, then the remote (retrying with backoff until stop()). */
  async start(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await this.#openLocal();
    } catch (err) {
      this.#localFailed(err);
      return;
    }
    void this.#connectRemote();
  }

  /** Disconnects both sides; messages not yet acknowledged by the remote stay in the local session. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#localTimer !== undefined) clearTimeout(this.#localTimer);
    this.#localTimer = undefined;
    this.#remote.disconnect('bridge stopped');
    this.#local.disconnect('bridge stopped');
  }

  /** The bridge's counters and state now. */
  status(): BridgeStatus {
    const local = this.#host.localSession(this.#localId);
    return {
      name: this.name,
      url: this.#url.href,
      connected: this.#ready && this.#remote.connected,
      queued: local === undefined ? 0 : local.inflight + local.queued,
      forwardedIn: this.#forwardedIn,
      forwardedOut: this.#forwardedOut,
      dropped: this.#dropped + (local?.dropped ?? 0),
      connects: this.#connects,
      lastError: this.#lastError,
    };
  }

  async #openLocal(): Promise<void> {
    await this.#local.open(this.#host.connectLocal());
    const subs: SubscriptionRequest[] = [];
    for (const r of this.#routes) {
      // No Local: what the bridge brought in is never handed back to it for the way out.
      if (r.out) subs.push({ topic: r.localFilter, qos: r.qos, noLocal: true, retainAsPublished: true, retainHandling: 1 });
    }
    // A restored session may hold filters of routes removed from the configuration since.
    const stale = (this.#host.localSession(this.#localId)?.filters ?? []).filter((f) => !subs.some((s) => s.topic === f));
    if (stale.length > 0) await this.#local.unsubscribe(stale);
    if (subs.length > 0) await this.#local.subscribe(subs);
  }

  #localClosed(reason: string): void {
    // The broker is closing, or took the connection away: reopen while the bridge runs.
    if (!this.#running) return;
    this.#host.logger.warn({ bridge: this.name, reason }, 'bridge local side closed; reopening');
    this.#openLocal().then(
      () => void this.#connectRemote(),
      (err: unknown) => this.#localFailed(err),
    );
  }

  // The broker refused the local side (e.g. maximumClients reached, an onConnect hook): try again in a second.
  #localFailed(err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.#lastError = `local side: ${reason}`;
    this.#host.logger.error({ bridge: this.name, reason }, 'bridge local side could not connect');
    if (!this.#running || this.#localTimer !== undefined) return;
    this.#localTimer = setTimeout(() => {
      this.#localTimer = undefined;
      if (!this.#running) return;
      this.#openLocal().then(
        () => void this.#connectRemote(),
        (e: unknown) => this.#localFailed(e),
      );
    }, 1000);
    this.#localTimer.unref();
  }

  async #connectRemote(): Promise<void> {
    if (!this.#running || this.#connecting || this.#remote.connected || this.#timer !== undefined) return;
    this.#connecting = true;
    const o = this.#options;
    try {
      const stream = await openTransport(this.#url, o.tls, (o.connectTimeout ?? 10) * 1000);
      if (!this.#running) {
        stream.destroy();
        return;
      }
      const connack = await this.#remote.open(stream);
      this.#remoteNodeId = connack.properties.userProperties?.find(([k]) => k === BRIDGE_NODE_PROPERTY)?.[1];
      const subs: SubscriptionRequest[] = [];
      for (const r of this.#routes) {
        // 5.0 No Local: what the bridge published at the remote does not come back [MQTT-3.8.3-3].
        if (r.in) subs.push({ topic: r.remoteFilter, qos: r.qos, noLocal: this.#v5, retainAsPublished: this.#v5, retainHandling: 0 });
      }
      this.#attempt = 0;
      if (subs.length > 0) {
        const codes = await this.#remote.subscribe(subs);
        codes.forEach((code, i) => {
          if (code >= 0x80) {
            this.#lastError = `subscription to ${subs[i]!.topic} refused with reason code 0x${code.toString(16)}`;
            this.#host.logger.warn({ bridge: this.name, filter: subs[i]!.topic, reasonCode: code }, 'bridge subscription refused by the remote');
          }
        });
      }
      if (!this.#remote.connected) throw new Error(this.#lastError ?? 'connection closed while subscribing');
      this.#ready = true;
      this.#connects++;
      this.#host.logger.info({ bridge: this.name, url: this.#url.href, sessionPresent: connack.sessionPresent }, 'bridge connected');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#lastError = reason;
      this.#host.logger.warn({ bridge: this.name, url: this.#url.href, reason }, 'bridge connect failed');
      this.#scheduleReconnect();
    } finally {
      this.#connecting = false;
    }
  }

  #remoteClosed(reason: string): void {
    this.#ready = false;
    if (this.#running) this.#lastError = reason;
    this.#host.logger.info({ bridge: this.name, url: this.#url.href, reason }, 'bridge disconnected');
    this.#scheduleReconnect();
  }

  // Exponential backoff with jitter: the nth retry waits between half and all of min(max, initial × 2ⁿ).
  #scheduleReconnect(): void {
    if (!this.#running || this.#timer !== undefined) return;
    const initial = (this.#options.reconnectDelay ?? 1) * 1000;
    const max = (this.#options.maxReconnectDelay ?? 60) * 1000;
    const ceiling = Math.min(max, initial * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    const wait = ceiling / 2 + Math.random() * (ceiling / 2);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#connectRemote();
    }, wait);
    this.#timer.unref();
  }

  // Local → remote. `done` acknowledges to the local broker: only after the remote acknowledged.
  #fromLocal(packet: PublishPacket, done: () => void): void {
    const route = this.#routes.find((r) => r.out && packet.topic.startsWith(r.localPrefix) && topicMatches(r.localFilter, packet.topic));
    const nodeId = this.#host.nodeId;
    const remoteId = this.#remoteNodeId;
    if (route === undefined || hasVia(packet.properties, nodeId) || (remoteId !== undefined && hasVia(packet.properties, remoteId))) {
      // Not routed out (a subscription of an earlier configuration), or the remote (or this broker) routed it already.
      done();
      return;
    }
    const message: OutgoingMessage = {
      topic: route.remotePrefix + packet.topic.slice(route.localPrefix.length),
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain,
      properties: this.#v5 ? withVia(packet.properties, nodeId) : packet.properties,
      // The time left counts down while the message waits for the remote.
      expiresAt: packet.properties.messageExpiryInterval === undefined ? 0 : Date.now() + packet.properties.messageExpiryInterval * 1000,
    };
    if (this.#trackEchoes) this.#remember(message);
    const sent = this.#remote.publish(message);
    if (typeof sent === 'boolean') {
      if (sent) this.#forwardedOut++;
      else this.#dropped++;
      done();
      return;
    }
    sent.then((reasonCode) => {
      if (reasonCode === EXPIRED) {
        this.#dropped++;
      } else if (reasonCode >= 0x80) {
        this.#dropped++;
        this.#lastError = `remote refused a message on ${message.topic} with reason code 0x${reasonCode.toString(16)}`;
      } else {
        this.#forwardedOut++;
      }
      done();
    }, done);
  }

  // Remote → local. `done` acknowledges to the remote once the local broker accepted the message.
  #fromRemote(packet: PublishPacket, done: () => void): void {
    const route = this.#routes.find((r) => r.in && packet.topic.startsWith(r.remotePrefix) && topicMatches(r.remoteFilter, packet.topic));
    if (route === undefined || hasVia(packet.properties, this.#host.nodeId) || (this.#trackEchoes && this.#isEcho(packet))) {
      // Not routed in, routed here already, or our own message sent back by a 3.x remote.
      done();
      return;
    }
    const remoteId = this.#remoteNodeId;
    const message: OutgoingMessage = {
      topic: route.localPrefix + packet.topic.slice(route.remotePrefix.length),
      payload: packet.payload,
      qos: packet.qos,
      retain: packet.retain,
      // The remote routed it: say so, so that no bridge of ours sends it back there.
      properties: remoteId === undefined || hasVia(packet.properties, remoteId) ? forwardable(packet.properties) : withVia(packet.properties, remoteId),
    };
    const sent = this.#local.publish(message);
    if (typeof sent === 'boolean') {
      if (sent) this.#forwardedIn++;
      done();
      return;
    }
    sent.then(() => {
      this.#forwardedIn++;
      done();
    }, done);
  }

  #remember(message: OutgoingMessage): void {
    const key = fingerprint(message.topic, message.payload);
    const now = Date.now();
    const entry = this.#echoes.get(key);
    if (entry === undefined) this.#echoes.set(key, [1, now]);
    else {
      entry[0]++;
      entry[1] = now;
    }
    if (this.#echoes.size > 10_000) {
      for (const [k, [, at]] of this.#echoes) if (now - at > ECHO_WINDOW_MS) this.#echoes.delete(k);
    }
  }

  #isEcho(packet: PublishPacket): boolean {
    const key = fingerprint(packet.topic, packet.payload);
    const entry = this.#echoes.get(key);
    if (entry === undefined) return false;
    if (Date.now() - entry[1] > ECHO_WINDOW_MS) {
      this.#echoes.delete(key);
      return false;
    }
    if (--entry[0] === 0) this.#echoes.delete(key);
    return true;
  }
}

/** Throws SWIFTLET_ERR_OPTIONS_INVALID for options the bridge cannot run with (the configuration file reports these per key). */
function checkOptions(o: BridgeOptions): void {
  const fail = (what: string): never => {
    throw new SwiftletError('SWIFTLET_ERR_OPTIONS_INVALID', `bridge ${JSON.stringify(o.name)}: ${what}`);
  };
  if (typeof o.name !== 'string' || !/^[A-Za-z0-9_.-]+$/.test(o.name)) fail('name must be letters, digits, _ . or -');
  let url: URL | undefined;
  try {
    url = new URL(o.url);
  } catch {
    fail(`invalid url ${JSON.stringify(o.url)}`);
  }
  if (url !== undefined && BRIDGE_SCHEMES[url.protocol] === undefined) fail(`url scheme must be mqtt:, mqtts:, ws: or wss:, not ${url.protocol}`);
  if (o.topics.length === 0) fail('no topics');
  for (const t of o.topics) {
    if (!isValidTopicFilter(t.filter) || parseSharedFilter(t.filter) !== null) fail(`invalid topic filter ${JSON.stringify(t.filter)}`);
    if (t.direction !== 'in' && t.direction !== 'out' && t.direction !== 'both') fail(`invalid direction ${JSON.stringify(t.direction)}`);
    for (const prefix of [t.localPrefix ?? '', t.remotePrefix ?? '']) if (prefix.includes('+') || prefix.includes('#') || prefix.includes('\u0000')) fail(`invalid prefix ${JSON.stringify(prefix)}`);
  }
}

function fingerprint(topic: string, payload: Buffer): string {
  return createHash('sha1').update(topic).update('\u0000').update(payload).digest('base64');
}

/** True when the message already left the broker `nodeId` through a bridge. */
export function hasVia(properties: Properties, nodeId: string): boolean {
  const user = properties.userProperties;
  if (user === undefined) return false;
  for (const [k, v] of user) if (k === BRIDGE_VIA_PROPERTY && v === nodeId) return true;
  return false;
}

function withVia(properties: Properties, nodeId: string): Properties {
  const out = forwardable(properties);
  const user: UserProperty[] = [...(properties.userProperties ?? []), [BRIDGE_VIA_PROPERTY, nodeId]];
  return { ...out, userProperties: user };
}

// Properties that belong to one hop (topic alias, subscription identifiers) stay behind.
function forwardable(properties: Properties): Properties {
  if (properties.topicAlias === undefined && properties.subscriptionIdentifiers === undefined) return properties;
  const out = { ...properties };
  delete out.topicAlias;
  delete out.subscriptionIdentifiers;
  return out;
}
