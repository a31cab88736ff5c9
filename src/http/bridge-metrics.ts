// Prometheus metrics of bridges, one series per bridge (label `bridge`), read from broker.bridges() at scrape time.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Broker } from '../broker.js';
import type { BridgeStatus } from '../bridge/bridge.js';

/** Registers the bridge metrics in `registry`. */
export function registerBridgeMetrics(registry: Registry, broker: Broker): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: (b: BridgeStatus) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['bridge'],
      registers,
      collect() {
        this.reset();
        for (const b of broker.bridges()) this.set({ bridge: b.name }, read(b));
      },
    });
  };
  const counter = (name: string, help: string, read: (b: BridgeStatus) => number): void => {
    new Counter({
      name,
      help,
      labelNames: ['bridge'],
      registers,
      collect() {
        this.reset();
        for (const b of broker.bridges()) this.inc({ bridge: b.name }, read(b));
      },
    });
  };
  gauge('swiftlet_bridge_connected', '1 while the bridge is connected to its remote broker (and subscribed), else 0.', (b) => (b.connected ? 1 : 0));
  gauge('swiftlet_bridge_queued_messages', 'Outbound QoS 1/2 messages not yet acknowledged by the remote broker.', (b) => b.queued);
  new Counter({
    name: 'swiftlet_bridge_forwarded_messages_total',
    help: 'Messages forwarded by the bridge since start: in = from the remote broker, out = to it (QoS 1/2 once acknowledged).',
    labelNames: ['bridge', 'direction'],
    registers,
    collect() {
      this.reset();
      for (const b of broker.bridges()) {
        this.inc({ bridge: b.name, direction: 'in' }, b.forwardedIn);
        this.inc({ bridge: b.name, direction: 'out' }, b.forwardedOut);
      }
    },
  });
  counter('swiftlet_bridge_dropped_messages_total', 'Outbound messages the bridge lost since start: QoS 0 while disconnected, queue full, expired, refused by the remote.', (b) => b.dropped);
  counter('swiftlet_bridge_connects_total', 'Successful connections of the bridge to its remote broker since start.', (b) => b.connects);
}
