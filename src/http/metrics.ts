// Prometheus metrics for one broker: a private prom-client Registry whose values are read from the broker at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Broker } from '../broker.js';
import { PacketType } from '../codec/types.js';
import { reasonCodeName } from '../codec/reason-codes.js';
import { VERSION } from '../version.js';
import { EventLoopLag } from './event-loop-lag.js';
import { PACKET_TYPE_NAMES } from './packet-type-names.js';
import { registerBridgeMetrics } from './bridge-metrics.js';

/** The `reason` label of a refused connection: the spec name of the code, or `accept-hook` for index 0. */
function refusedReasonName(code: number): string {
  if (code === 0) return 'accept-hook';
  return (reasonCodeName(code, PacketType.CONNACK) ?? reasonCodeName(code) ?? 'unknown').toLowerCase().replaceAll(' ', '_');
}

/** A registry of broker metrics and the resources it holds (the event-loop lag sampler). */
export interface BrokerMetrics {
  readonly registry: Registry;
  /** Stops the event-loop lag sampler. */
  stop(): void;
}

/**
 * Creates a per-broker Registry (never prom-client's global one, so several brokers can live in one process).
 * Every broker metric is computed in `collect()` from the broker's plain counters: the hot path pays nothing.
 */
export function createBrokerMetrics(broker: Broker): BrokerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const stats = (): Readonly<Record<string, number>> => broker.stats;
  const n = (key: string): number => stats()[key] ?? 0;

  // prom-client counters have no set(): reset and add the absolute total read from the broker.
  const counterFrom = (name: string, help: string, key: string): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(n(key));
      },
    });
  };
  const gaugeFrom = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };

  new Gauge({
    name: 'swiftlet_info',
    help: 'Always 1; labels carry the Swiftlet version and the broker node id.',
    labelNames: ['version', 'node_id'],
    registers,
    collect() {
      this.reset();
      this.set({ version: VERSION, node_id: broker.id }, 1);
    },
  });
  gaugeFrom('swiftlet_uptime_seconds', 'Seconds since the broker was created.', () => n('uptime'));
  gaugeFrom('swiftlet_ready', '1 while the broker serves with every listener bound, else 0.', () => (broker.ready ? 1 : 0));
  if (broker.cluster !== undefined) {
    gaugeFrom('swiftlet_cluster_connected', '1 while this node reaches the cluster\'s Redis, 0 while degraded.', () => (broker.cluster?.state === 'connected' ? 1 : 0));
    gaugeFrom('swiftlet_cluster_peers', 'Other live nodes of the cluster with subscribers.', () => broker.cluster?.peers.length ?? 0);
    gaugeFrom('swiftlet_cluster_forwarded_messages', 'Messages this node sent to other nodes since start.', () => broker.cluster?.forwarded ?? 0);
    gaugeFrom('swiftlet_cluster_received_messages', 'Messages this node received from other nodes since start.', () => broker.cluster?.received ?? 0);
  }

  gaugeFrom('swiftlet_clients_connected', 'Clients connected now (CONNACK sent).', () => n('clientsConnected'));
  gaugeFrom('swiftlet_clients_connected_max', 'Most clients connected at once since start.', () => n('clientsMaximum'));
  gaugeFrom('swiftlet_clients_disconnected', 'Sessions kept for clients that are offline (persistent sessions).', () => n('clientsDisconnected'));
  counterFrom('swiftlet_connections_accepted_total', 'Connections accepted with a successful CONNACK since start.', 'clientsTotal');
  counterFrom('swiftlet_disconnections_total', 'Connections of connected clients that closed since start.', 'disconnections');
  new Counter({
    name: 'swiftlet_connections_refused_total',
    help: 'Connections refused by the broker, by CONNACK reason code (accept-hook = closed by an onAccept hook before CONNECT).',
    labelNames: ['code', 'reason'],
    registers,
    collect() {
      this.reset();
      const byReason = broker.detailedStats().connectionsRefusedByReason;
      for (let code = 0; code < byReason.length; code++) {
        const v = byReason[code] ?? 0;
        if (v > 0) this.inc({ code: `0x${code.toString(16).padStart(2, '0')}`, reason: refusedReasonName(code) }, v);
      }
    },
  });

  new Counter({
    name: 'swiftlet_listener_connections_accepted_total',
    help: 'Connections a listener handed to the broker since it started listening.',
    labelNames: ['listener', 'transport'],
    registers,
    collect() {
      this.reset();
      for (const l of broker.listenerInfo()) if (l.stats !== undefined) this.inc({ listener: l.id, transport: l.transport }, l.stats.accepted);
    },
  });
  new Counter({
    name: 'swiftlet_listener_connections_refused_total',
    help: 'Connections a listener closed at accept, by cause (max-connections, rate, address-rate, proxy).',
    labelNames: ['listener', 'transport', 'cause'],
    registers,
    collect() {
      this.reset();
      for (const l of broker.listenerInfo()) {
        if (l.stats === undefined) continue;
        const labels = { listener: l.id, transport: l.transport };
        this.inc({ ...labels, cause: 'max-connections' }, l.stats.refused.maxConnections);
        this.inc({ ...labels, cause: 'rate' }, l.stats.refused.rate);
        this.inc({ ...labels, cause: 'address-rate' }, l.stats.refused.addressRate);
        this.inc({ ...labels, cause: 'proxy' }, l.stats.refused.proxy);
      }
    },
  });
  new Gauge({
    name: 'swiftlet_listener_connections_open',
    help: 'Accepted connections of a listener not yet closed.',
    labelNames: ['listener', 'transport'],
    registers,
    collect() {
      this.reset();
      for (const l of broker.listenerInfo()) if (l.stats !== undefined) this.set({ listener: l.id, transport: l.transport }, l.stats.open);
    },
  });

  new Counter({
    name: 'swiftlet_hook_calls_total',
    help: 'Calls of each hook method, by hook id and event.',
    labelNames: ['hook', 'event'],
    registers,
    collect() {
      this.reset();
      for (const t of broker.hookTimings()) this.inc({ hook: t.hook, event: t.event }, t.calls);
    },
  });
  new Counter({
    name: 'swiftlet_hook_seconds_total',
    help: 'Time spent in each hook method (synchronous part), estimated from one call in 64, by hook id and event.',
    labelNames: ['hook', 'event'],
    registers,
    collect() {
      this.reset();
      for (const t of broker.hookTimings()) this.inc({ hook: t.hook, event: t.event }, t.seconds);
    },
  });

  const byPacketType = (name: string, help: string, pick: (d: ReturnType<Broker['detailedStats']>) => readonly number[]): void => {
    new Counter({
      name,
      help,
      labelNames: ['type'],
      registers,
      collect() {
        this.reset();
        const counts = pick(broker.detailedStats());
        for (let t = 1; t <= 15; t++) this.inc({ type: PACKET_TYPE_NAMES[t] ?? 'reserved' }, counts[t] ?? 0);
      },
    });
  };
  byPacketType('swiftlet_packets_received_total', 'MQTT control packets received, by packet type.', (d) => d.packetsReceivedByType);
  byPacketType('swiftlet_packets_sent_total', 'MQTT control packets sent, by packet type.', (d) => d.packetsSentByType);

  const byQoS = (name: string, help: string, pick: (d: ReturnType<Broker['detailedStats']>) => readonly number[]): void => {
    new Counter({
      name,
      help,
      labelNames: ['qos'],
      registers,
      collect() {
        this.reset();
        const counts = pick(broker.detailedStats());
        for (let q = 0; q <= 2; q++) this.inc({ qos: String(q) }, counts[q] ?? 0);
      },
    });
  };
  byQoS('swiftlet_messages_received_total', 'PUBLISH packets received from clients, by QoS.', (d) => d.publishReceivedByQoS);
  byQoS('swiftlet_messages_sent_total', 'PUBLISH packets sent to clients, by QoS (re-sends included).', (d) => d.publishSentByQoS);
  counterFrom('swiftlet_bytes_received_total', 'Bytes read from client connections.', 'bytesReceived');
  counterFrom('swiftlet_bytes_sent_total', 'Bytes written to client connections.', 'bytesSent');
  new Counter({
    name: 'swiftlet_messages_dropped_total',
    help: 'Messages not delivered, by reason (publish-refused = an inbound PUBLISH refused by ACL, $SYS or payload format).',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, v] of Object.entries(broker.detailedStats().droppedByReason)) this.inc({ reason }, v);
    },
  });

  new Counter({
    name: 'swiftlet_limits_reached_total',
    help: 'Times a configured limit was reached (a refusal, a drop, or a message waiting for the inflight window), by limit.',
    labelNames: ['limit'],
    registers,
    collect() {
      this.reset();
      for (const [limit, v] of Object.entries(broker.detailedStats().limitsReached)) this.inc({ limit }, v);
    },
  });
  gaugeFrom('swiftlet_memory_high', '1 while process memory is above memoryHighWaterMark (new connections are refused with 0x89), else 0.', () => n('memoryHigh'));

  // Depths are computed over all sessions at scrape time; the broker keeps no running sums or maxima.
  gaugeFrom('swiftlet_inflight_messages', 'Outbound QoS 1/2 messages awaiting acknowledgement, summed over sessions.', () => broker.queueDepths().inflight);
  gaugeFrom('swiftlet_inflight_messages_max', 'Most unacknowledged outbound messages of any one session.', () => broker.queueDepths().inflightMax);
  gaugeFrom('swiftlet_queued_messages', 'Messages waiting in session queues (offline, or inflight window full), summed over sessions.', () => broker.queueDepths().queued);
  gaugeFrom('swiftlet_queued_messages_max', 'Longest queue of any one session.', () => broker.queueDepths().queuedMax);

  gaugeFrom('swiftlet_subscriptions', 'Subscriptions of all sessions (shared ones included).', () => n('subscriptions'));
  gaugeFrom('swiftlet_sessions', 'Sessions, connected or not.', () => n('sessions'));
  gaugeFrom('swiftlet_retained_messages', 'Retained messages stored.', () => n('retainedMessages'));
  gaugeFrom('swiftlet_retained_bytes', 'Payload bytes of the retained messages stored.', () => n('retainedBytes'));
  counterFrom('swiftlet_retained_refused_total', 'Retained messages not stored because of maximumRetainedMessages or maximumRetainedBytes.', 'retainedRefused');
  gaugeFrom('swiftlet_outbound_buffered_bytes', 'Bytes buffered on the sockets of clients that read slower than they are sent to.', () => n('outboundBufferedBytes'));
  counterFrom('swiftlet_stalled_disconnects_total', 'Connections closed because their client read nothing for outboundStallTimeout.', 'stalledDisconnects');
  counterFrom('swiftlet_storage_commits_total', 'Commits of durable storage (one per batch of changes).', 'storageCommits');
  counterFrom('swiftlet_persistence_errors_total', 'Storage failures: commits that failed (what waited for them was refused), writes or a close that threw.', 'persistenceErrors');
  gaugeFrom('swiftlet_storage_bytes', 'Bytes of messages in durable storage, as counted against the size cap.', () => n('storedBytes'));

  // Event-loop lag since the previous scrape; the sampler is this registry's own and stops with it.
  const lag = new EventLoopLag();
  lag.start();
  new Gauge({
    name: 'swiftlet_event_loop_lag_seconds',
    help: 'How late timers fired since the previous scrape (0 = on time), by statistic.',
    labelNames: ['stat'],
    registers,
    collect() {
      this.reset();
      const stats = lag.takeStats();
      this.set({ stat: 'mean' }, stats.mean);
      this.set({ stat: 'p50' }, stats.p50);
      this.set({ stat: 'p99' }, stats.p99);
      this.set({ stat: 'max' }, stats.max);
    },
  });

  registerBridgeMetrics(registry, broker);

  // Process memory, CPU, handles, GC (prom-client's default set, into this registry only).
  collectDefaultMetrics({ register: registry });

  return {
    registry,
    stop() {
      lag.stop();
    },
  };
}
