// A well-behaved client pair on the broker under attack: proves it still serves (a QoS 1 round trip) and measures
// the round-trip latency other clients see while a fuzz run, a storm or a soak goes on.
import mqtt from 'mqtt';
import type { MqttClient } from 'mqtt';

/** One MQTT.js client subscribed to its own topic; each round trip publishes to it and waits for the delivery. */
export class Probe {
  readonly #client: MqttClient;
  readonly #topic: string;
  #seq = 0;
  readonly #waiting = new Map<string, () => void>();

  private constructor(client: MqttClient, topic: string) {
    this.#client = client;
    this.#topic = topic;
    client.on('message', (_topic, payload) => {
      const key = payload.toString('utf8');
      const done = this.#waiting.get(key);
      if (done !== undefined) {
        this.#waiting.delete(key);
        done();
      }
    });
  }

  /** Connects (protocol 4 or 5), subscribes to `topic` at QoS 1 and waits for the SUBACK. */
  static async open(port: number, clientId: string, protocolVersion: 4 | 5 = 5, topic = `probe/${clientId}`): Promise<Probe> {
    const client = mqtt.connect({ host: '127.0.0.1', port, clientId, protocolVersion, reconnectPeriod: 0, connectTimeout: 30_000, keepalive: 60 });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
      client.once('close', () => reject(new Error(`probe ${clientId}: connection closed before CONNACK`)));
    });
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    await client.subscribeAsync(topic, { qos: 1 });
    return new Probe(client, topic);
  }

  /** Publishes one QoS 1 message to itself and resolves with the round trip in nanoseconds (PUBACK and delivery). */
  async roundTrip(timeoutMs = 30_000): Promise<number> {
    const key = `${process.pid}-${++this.#seq}`;
    const start = process.hrtime.bigint();
    const delivered = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        reject(new Error(`no QoS 1 delivery within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(key, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await Promise.all([this.#client.publishAsync(this.#topic, key, { qos: 1 }), delivered]);
    return Number(process.hrtime.bigint() - start);
  }

  /** Disconnects and waits for the socket to close. */
  async close(): Promise<void> {
    await this.#client.endAsync(true);
  }
}

/** Opens a probe, makes one QoS 1 round trip and closes it: the "a clean client is still served" check. */
export async function cleanRoundTrip(port: number, protocolVersion: 4 | 5, clientId = `clean-${protocolVersion}-${process.pid}`): Promise<number> {
  const probe = await Probe.open(port, clientId, protocolVersion);
  try {
    return await probe.roundTrip();
  } finally {
    await probe.close();
  }
}
