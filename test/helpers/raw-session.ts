// Conversations over the raw client (test/helpers/raw-client.ts): connect and subscribe, publish, wait for the
// broker to have handled what was sent, and read what came back.
import { PacketType } from '../../src/index.js';
import type { ConnectPacket, Packet, Properties, ProtocolVersion, PublishPacket } from '../../src/index.js';
import { RawClient } from './raw-client.js';
import { publishPacket, subscribePacket } from './packets.js';
import type { FilterSpec } from './packets.js';

/** What a raw session sets up besides its version and client id. */
export interface RawSessionOptions {
  /** Filters subscribed to (packet id 1) before the session is returned, after their SUBACK. */
  subscribe?: FilterSpec[];
  /** Fields of the CONNECT packet other than the defaults of connectPacket(). */
  connect?: Partial<ConnectPacket>;
}

/** Connects a raw client, checks that CONNACK accepts it and subscribes to `options.subscribe` (waiting for SUBACK). */
export async function rawSession(port: number, version: ProtocolVersion, clientId: string, options: RawSessionOptions = {}): Promise<RawClient> {
  const c = await RawClient.connect(port, version);
  const ack = await c.handshake(clientId, options.connect);
  if (ack.reasonCode !== 0) throw new Error(`CONNACK 0x${ack.reasonCode.toString(16)} for ${clientId}`);
  if (options.subscribe !== undefined && options.subscribe.length > 0) {
    c.send(subscribePacket(1, options.subscribe));
    await c.expect(PacketType.SUBACK);
  }
  return c;
}

/** The CONNACK reason code (5.0) or return code (3.x) a new connection gets for these credentials; it is closed after. */
export async function connackCode(port: number, version: ProtocolVersion, clientId: string, credentials: { username?: string; password?: string } = {}): Promise<number> {
  const c = await RawClient.connect(port, version);
  try {
    const { username, password } = credentials;
    return (await c.handshake(clientId, { username, password: password === undefined ? undefined : Buffer.from(password) })).reasonCode;
  } finally {
    c.destroy();
  }
}

/** Subscribes and returns the SUBACK reason codes. */
export async function subackCodes(c: RawClient, packetId: number, filters: FilterSpec[], properties: Properties = {}): Promise<number[]> {
  c.send(subscribePacket(packetId, filters, properties));
  const ack = await c.expect(PacketType.SUBACK);
  return ack.reasonCodes;
}

/** Publishes at QoS 0, then a PINGREQ round trip, so the broker has routed the message when this returns. */
export async function publishQoS0(c: RawClient, topic: string, payload: string | Buffer, extra: Partial<PublishPacket> = {}): Promise<void> {
  c.send(publishPacket(topic, payload, 0, 0, extra));
  await pingRoundTrip(c);
}

/** Publishes at QoS 1, waits for the PUBACK of `packetId` and returns its reason code. */
export async function publishQoS1(c: RawClient, topic: string, payload: string | Buffer, packetId: number, extra: Partial<PublishPacket> = {}): Promise<number> {
  c.send(publishPacket(topic, payload, 1, packetId, extra));
  const ack = await c.expect(PacketType.PUBACK);
  if (ack.packetId !== packetId) throw new Error(`PUBACK for ${ack.packetId}, expected ${packetId}`);
  return ack.reasonCode;
}

/** PINGREQ, then waits for PINGRESP: the broker has handled everything sent before. Packets that arrive first stay queued. */
export async function pingRoundTrip(c: RawClient): Promise<void> {
  c.send({ type: PacketType.PINGREQ });
  const held: Packet[] = [];
  for (;;) {
    const p = await c.next();
    if (p === undefined) throw new Error('closed while waiting for PINGRESP');
    if (p.type === PacketType.PINGRESP) break;
    held.push(p);
  }
  c.received.unshift(...held);
}

/** Sends PINGREQ and returns every PUBLISH that arrives before PINGRESP (the broker answers in order); others are dropped. */
export async function publishesBeforePong(c: RawClient): Promise<PublishPacket[]> {
  c.send({ type: PacketType.PINGREQ });
  const got: PublishPacket[] = [];
  for (;;) {
    const p: Packet | undefined = await c.next(3000);
    if (p === undefined) throw new Error('closed before PINGRESP');
    if (p.type === PacketType.PINGRESP) return got;
    if (p.type === PacketType.PUBLISH) got.push(p);
  }
}

/** Collects PUBLISH packets until `count` arrived (other packets are dropped); rejects after `timeoutMs` or on close. */
export async function receivePublishes(c: RawClient, count: number, timeoutMs = 3000): Promise<PublishPacket[]> {
  const got: PublishPacket[] = [];
  const deadline = Date.now() + timeoutMs;
  while (got.length < count) {
    const p = await c.next(Math.max(1, deadline - Date.now()));
    if (p === undefined) throw new Error(`closed after ${got.length} of ${count} PUBLISH`);
    if (p.type === PacketType.PUBLISH) got.push(p);
  }
  return got;
}

/** Waits for the server's DISCONNECT and then the socket close; returns the DISCONNECT reason code. */
export async function expectDisconnect(c: RawClient, timeoutMs = 2000): Promise<number> {
  const p = await c.next(timeoutMs);
  if (p === undefined) throw new Error('closed without DISCONNECT');
  if (p.type !== PacketType.DISCONNECT) throw new Error(`expected DISCONNECT, got packet type ${p.type}`);
  await c.waitClosed(timeoutMs);
  return p.reasonCode;
}
