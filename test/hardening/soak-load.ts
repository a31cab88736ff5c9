// The soak's moderate mixed load on a broker: publishers at QoS 0/1/2 (a bounded set of retained topics among them),
// subscribers in 3.1.1 and 5.0, a persistent session that comes and goes, and clients that reconnect over and over
// with wills, half of them dropping the connection so the will is published.
import mqtt from 'mqtt';
import type { IClientOptions, MqttClient } from 'mqtt';
import { Prng } from './prng.js';

/** Knobs of the load. */
export interface SoakLoadOptions {
  readonly port: number;
  /** Messages per second over all publishers. */
  readonly rate: number;
  readonly publishers: number;
  readonly reconnectors: number;
  readonly seed: number;
}

/** What the load did so far. */
export interface SoakLoadCounts {
  published: number;
  received: number;
  reconnects: number;
  willsTriggered: number;
  /** MQTT.js errors and unexpected closes of the long-lived clients. */
  errors: string[];
}

async function open(port: number, options: IClientOptions): Promise<MqttClient> {
  const client = mqtt.connect({ host: '127.0.0.1', port, reconnectPeriod: 0, connectTimeout: 30_000, ...options });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Runs the load until stop(). */
export class SoakLoad {
  readonly counts: SoakLoadCounts = { published: 0, received: 0, reconnects: 0, willsTriggered: 0, errors: [] };
  readonly #o: SoakLoadOptions;
  readonly #rng: Prng;
  readonly #clients: MqttClient[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #sleepers = new Set<() => void>();
  #running = true;
  readonly #loops: Promise<void>[] = [];

  constructor(o: SoakLoadOptions) {
    this.#o = o;
    this.#rng = new Prng(o.seed);
  }

  /** Connects the long-lived clients and starts publishing and reconnecting. */
  async start(): Promise<void> {
    const { port } = this.#o;
    const watch = (c: MqttClient, name: string): MqttClient => {
      c.on('error', (e) => this.counts.errors.push(`${name}: ${e.message}`));
      c.on('close', () => {
        if (this.#running) this.counts.errors.push(`${name}: closed`);
      });
      c.on('message', () => this.counts.received++);
      this.#clients.push(c);
      return c;
    };
    const subs: [string, 4 | 5, string, 0 | 1 | 2][] = [
      ['soak-sub-q2-v5', 5, 'soak/data/#', 2],
      ['soak-sub-q1-v4', 4, 'soak/data/#', 1],
      ['soak-sub-q0-v5', 5, 'soak/data/+/0', 0],
      ['soak-sub-retained', 5, 'soak/retained/#', 1],
      ['soak-sub-wills', 4, 'soak/will/#', 1],
    ];
    for (const [id, v, filter, qos] of subs) {
      const c = watch(await open(port, { clientId: id, protocolVersion: v }), id);
      await c.subscribeAsync(filter, { qos });
    }
    const publishers: MqttClient[] = [];
    for (let i = 0; i < this.#o.publishers; i++) publishers.push(watch(await open(port, { clientId: `soak-pub-${i}`, protocolVersion: i % 2 === 0 ? 5 : 4 }), `soak-pub-${i}`));
    // Publishing: a tick every 10 ms sends what the rate owes since the start (at most a second's worth when the
    // machine fell behind), so late timers do not lower the rate.
    const started = Date.now();
    let n = 0;
    this.#timers.push(
      setInterval(() => {
        const due = Math.floor(((Date.now() - started) / 1000) * this.#o.rate);
        if (due - n > this.#o.rate) n = due - this.#o.rate;
        while (n < due) {
          const p = publishers[n % publishers.length]!;
          const qos = (n % 3) as 0 | 1 | 2;
          const retained = n % 10 === 0;
          const topic = retained ? `soak/retained/${n % 100}` : `soak/data/${n % publishers.length}/${n % 7}`;
          // A retained message is sometimes cleared (empty payload), so the retained set changes but stays bounded.
          const payload = retained && n % 30 === 0 ? Buffer.alloc(0) : this.#rng.bytes(this.#rng.int(16, 512));
          if (p.connected) {
            p.publish(topic, payload, { qos, retain: retained }, (err) => {
              if (err !== undefined && err !== null && this.#running) this.counts.errors.push(`publish: ${err.message}`);
            });
            this.counts.published++;
          }
          n++;
        }
      }, 10),
    );
    this.#loops.push(this.#persistentSession());
    for (let i = 0; i < this.#o.reconnectors; i++) this.#loops.push(this.#reconnector(i));
  }

  // A 5.0 client with a persistent session: away for a while (messages queue), back to collect them.
  async #persistentSession(): Promise<void> {
    while (this.#running) {
      try {
        const c = await open(this.#o.port, { clientId: 'soak-persistent', protocolVersion: 5, clean: false, properties: { sessionExpiryInterval: 600 } });
        c.on('message', () => this.counts.received++);
        c.on('error', () => undefined);
        await c.subscribeAsync('soak/data/0/#', { qos: 1 });
        await this.#sleep(this.#rng.int(2000, 5000));
        await c.endAsync();
        this.counts.reconnects++;
        await this.#sleep(this.#rng.int(2000, 5000));
      } catch (err) {
        if (this.#running) this.counts.errors.push(`persistent session: ${String(err)}`);
        await this.#sleep(1000);
      }
    }
  }

  // A client that connects with a will, stays a little, then leaves cleanly or drops the connection (the will fires).
  async #reconnector(i: number): Promise<void> {
    while (this.#running) {
      try {
        const c = await open(this.#o.port, {
          clientId: `soak-reconnect-${i}`,
          protocolVersion: i % 2 === 0 ? 5 : 4,
          will: { topic: `soak/will/${i}`, payload: Buffer.from(`gone ${i}`), qos: 1, retain: i % 3 === 0 },
        });
        c.on('error', () => undefined);
        await this.#sleep(this.#rng.int(200, 2000));
        if (this.#rng.chance(0.5)) await c.endAsync();
        else {
          c.stream.destroy();
          this.counts.willsTriggered++;
          await new Promise<void>((r) => (c.disconnected ? r() : c.once('close', () => r())));
          c.end(true);
        }
        this.counts.reconnects++;
        await this.#sleep(this.#rng.int(100, 1000));
      } catch (err) {
        if (this.#running) this.counts.errors.push(`reconnector ${i}: ${String(err)}`);
        await this.#sleep(1000);
      }
    }
  }

  // A sleep that stop() cuts short, so no loop outlives the load.
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.#sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.#sleepers.add(wake);
    });
  }

  /** Stops publishing and reconnecting and closes every client. */
  async stop(): Promise<void> {
    this.#running = false;
    for (const t of this.#timers) clearInterval(t);
    for (const wake of [...this.#sleepers]) wake();
    await Promise.all(this.#loops);
    await Promise.all(this.#clients.map((c) => c.endAsync(true)));
  }
}
