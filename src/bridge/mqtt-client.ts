// The client side of MQTT on Swiftlet's own codec: CONNECT, keep alive, SUBSCRIBE, PUBLISH flows at QoS 0/1/2
// both ways. One MqttClient outlives its connections: its session state (outbound messages awaiting
// acknowledgement, inbound QoS 2 ids) carries over to the next stream handed to open().
import type { Duplex } from 'node:stream';
import { Parser } from '../codec/parser.js';
import { encodeAck, encodePacket, encodePublish, PINGREQ_BYTES } from '../codec/encode.js';
import { EMPTY_PROPERTIES, PacketType } from '../codec/types.js';
import type { ConnackPacket, Packet, Properties, ProtocolVersion, PublishPacket, QoS, SubscriptionRequest, UserProperty } from '../codec/types.js';
import type { ProtocolError } from '../codec/errors.js';

/** How the client identifies itself and what it asks of the server. */
export interface MqttClientOptions {
  readonly protocolVersion: ProtocolVersion;
  readonly clientId: string;
  readonly username?: string | undefined;
  readonly password?: Buffer | undefined;
  /** Seconds; 0 disables keep alive. The server's Server Keep Alive replaces it. */
  readonly keepAlive: number;
  readonly cleanStart: boolean;
  /** 5.0 Session Expiry Interval in seconds. */
  readonly sessionExpiryInterval?: number;
  /** 5.0 Receive Maximum: how many QoS 1/2 messages the server may have unacknowledged towards us. */
  readonly receiveMaximum?: number;
  /** 5.0 user properties of the CONNECT. */
  readonly userProperties?: UserProperty[];
}

/** A message to publish. */
export interface OutgoingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
  /** ms since the epoch after which the message is not sent any more (5.0: its expiry interval is the time left); 0 = never. */
  readonly expiresAt?: number;
}

/** The code a QoS 1/2 publish resolves with when the message expired before it could be sent. */
export const EXPIRED = -1;

/** What the client reports to its owner. */
export interface MqttClientEvents {
  /**
   * A PUBLISH from the server. Call `done` once the message is safe elsewhere: QoS 1 is acknowledged (PUBACK) and
   * QoS 2 received (PUBREC) only then, so an unhandled message is sent again by the server.
   */
  onMessage(packet: PublishPacket, done: () => void): void;
  /** The connection ended (after open() resolved); `reason` says why. */
  onClose(reason: string): void;
}

interface Outbound {
  readonly message: OutgoingMessage;
  packetId: number;
  /** QoS as sent: the message's, lowered to the server's Maximum QoS. */
  qos: QoS;
  /** QoS 2: PUBREC received and PUBREL sent. */
  released: boolean;
  readonly resolve: (reasonCode: number) => void;
}

/** Thrown by open() when the server refuses the connection or the stream ends first. */
export class ConnectRefused extends Error {
  constructor(
    message: string,
    readonly reasonCode: number,
  ) {
    super(message);
  }
}

/** An MQTT client whose session outlives its connections. */
export class MqttClient {
  readonly options: MqttClientOptions;
  readonly #events: MqttClientEvents;
  #stream: Duplex | null = null;
  #connected = false;
  // Session state, kept across connections.
  readonly #inflight = new Map<number, Outbound>();
  readonly #waiting: Outbound[] = [];
  readonly #inboundQoS2 = new Set<number>();
  // Inbound QoS 2 messages handed to onMessage and not yet done (per connection).
  #handling = new Set<number>();
  #nextPacketId = 1;
  #serverReceiveMaximum = 65535;
  #serverMaximumQoS: QoS = 2;
  #serverMaximumPacketSize = 0;
  #keepAliveTimer: NodeJS.Timeout | undefined;
  #pingOutstanding = false;
  #received = false;
  #pendingSubscribes = new Map<number, (codes: number[]) => void>();
  #closeReason: string | undefined;

  constructor(options: MqttClientOptions, events: MqttClientEvents) {
    this.options = options;
    this.#events = events;
  }

  /** True between a successful CONNACK and the end of that connection. */
  get connected(): boolean {
    return this.#connected;
  }

  /** QoS 1/2 messages published and not yet acknowledged by the server (in flight or waiting for a connection or quota). */
  get unacknowledged(): number {
    return this.#inflight.size + this.#waiting.length;
  }

  /** The server's Maximum QoS (5.0 CONNACK), 2 when it sent none. */
  get serverMaximumQoS(): QoS {
    return this.#serverMaximumQoS;
  }

  /**
   * Connects over `stream`: sends CONNECT, resolves with the CONNACK once accepted; then resends what the session
   * still owes [MQTT-4.4.0-1] and what waited. Rejects (and destroys the stream) when refused or closed first.
   */
  open(stream: Duplex): Promise<ConnackPacket> {
    const o = this.options;
    const version = o.protocolVersion;
    this.#stream = stream;
    this.#handling = new Set();
    this.#closeReason = undefined;
    let settle: { resolve: (c: ConnackPacket) => void; reject: (e: Error) => void } | undefined;
    const result = new Promise<ConnackPacket>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const fail = (reason: string, code = 0x80): void => {
      if (settle !== undefined) {
        const s = settle;
        settle = undefined;
        stream.destroy();
        s.reject(new ConnectRefused(reason, code));
        return;
      }
      this.#closeReason ??= reason;
      stream.destroy();
    };
    const parser = new Parser({
      protocolVersion: version,
      onPacket: (packet: Packet) => {
        this.#received = true;
        if (settle !== undefined) {
          if (packet.type !== PacketType.CONNACK) return fail(`expected CONNACK, got packet type ${packet.type}`, 0x82);
          if (packet.reasonCode !== 0) return fail(`connection refused with reason code 0x${packet.reasonCode.toString(16).padStart(2, '0')}`, packet.reasonCode);
          const s = settle;
          settle = undefined;
          this.#accepted(packet);
          s.resolve(packet);
          return;
        }
        this.#onPacket(packet);
      },
      onError: (error: ProtocolError) => fail(`protocol error from server: ${error.message}`, error.reasonCode),
    });
    stream.on('data', (chunk: Buffer) => parser.push(chunk));
    stream.on('error', (err: Error) => fail(err.message));
    stream.on('close', () => {
      if (settle !== undefined) return fail('connection closed before CONNACK');
      this.#ended(this.#closeReason ?? 'connection closed by the server');
    });
    const properties: Properties = {};
    if (version === 5) {
      if (o.sessionExpiryInterval !== undefined && o.sessionExpiryInterval > 0) properties.sessionExpiryInterval = o.sessionExpiryInterval;
      if (o.receiveMaximum !== undefined) properties.receiveMaximum = o.receiveMaximum;
      if (o.userProperties !== undefined) properties.userProperties = o.userProperties;
    }
    stream.write(
      encodePacket(
        {
          type: PacketType.CONNECT,
          protocolName: version === 3 ? 'MQIsdp' : 'MQTT',
          protocolVersion: version,
          clean: o.cleanStart,
          keepAlive: o.keepAlive,
          clientId: o.clientId,
          username: o.username,
          password: o.password,
          will: undefined,
          properties,
        },
        version,
      ),
    );
    return result;
  }

  /** Subscribes; resolves with the SUBACK's codes (granted QoS, or 0x80 and up for a refusal). */
  subscribe(subscriptions: SubscriptionRequest[]): Promise<number[]> {
    const stream = this.#stream;
    if (!this.#connected || stream === null) return Promise.reject(new Error('not connected'));
    const packetId = this.#allocate();
    const done = new Promise<number[]>((resolve) => this.#pendingSubscribes.set(packetId, resolve));
    stream.write(encodePacket({ type: PacketType.SUBSCRIBE, packetId, subscriptions, properties: EMPTY_PROPERTIES }, this.options.protocolVersion));
    return done;
  }

  /** Unsubscribes; resolves once the UNSUBACK arrived. */
  unsubscribe(topics: string[]): Promise<number[]> {
    const stream = this.#stream;
    if (!this.#connected || stream === null) return Promise.reject(new Error('not connected'));
    const packetId = this.#allocate();
    const done = new Promise<number[]>((resolve) => this.#pendingSubscribes.set(packetId, resolve));
    stream.write(encodePacket({ type: PacketType.UNSUBSCRIBE, packetId, topics, properties: EMPTY_PROPERTIES }, this.options.protocolVersion));
    return done;
  }

  /**
   * Publishes. QoS 0 is written now when connected and returns false otherwise (not sent). QoS 1/2 always returns a
   * promise that resolves with the server's reason code once the flow completes (PUBACK, or PUBCOMP), across
   * reconnections; it waits while disconnected or while the server's Receive Maximum is used up.
   */
  publish(message: OutgoingMessage): Promise<number> | boolean {
    if (message.qos === 0) {
      if (!this.#connected || this.#stream === null) return false;
      this.#write(message, 0, false, 0);
      return true;
    }
    return new Promise<number>((resolve) => {
      const entry: Outbound = { message, packetId: 0, qos: message.qos, released: false, resolve };
      if (this.#connected && this.#waiting.length === 0 && this.#inflight.size < this.#serverReceiveMaximum) this.#send(entry);
      else this.#waiting.push(entry);
    });
  }

  /** Sends DISCONNECT (normal) and ends the connection; the session state stays for the next open(). */
  disconnect(reason = 'closed by the bridge'): void {
    const stream = this.#stream;
    if (stream === null) return;
    this.#closeReason = reason;
    if (this.#connected) stream.end(encodePacket({ type: PacketType.DISCONNECT, reasonCode: 0, properties: EMPTY_PROPERTIES }, this.options.protocolVersion));
    else stream.destroy();
  }

  /** Ends the connection without DISCONNECT (the server sends the will, if any). */
  destroy(reason: string): void {
    this.#closeReason ??= reason;
    this.#stream?.destroy();
  }

  #accepted(connack: ConnackPacket): void {
    const props = connack.properties;
    this.#serverReceiveMaximum = props.receiveMaximum ?? 65535;
    this.#serverMaximumQoS = (props.maximumQoS ?? 2) as QoS;
    this.#serverMaximumPacketSize = props.maximumPacketSize ?? 0;
    this.#connected = true;
    const keepAlive = props.serverKeepAlive ?? this.options.keepAlive;
    if (keepAlive > 0) this.#startKeepAlive(keepAlive);
    if (!connack.sessionPresent) {
      // A new session at the server: it holds none of our QoS 2 ids, and what it had received is gone.
      this.#inboundQoS2.clear();
      for (const entry of this.#inflight.values()) {
        if (entry.released) {
          // PUBREC was received: the server owned the message before the session ended.
          this.#inflight.delete(entry.packetId);
          entry.resolve(0);
        }
      }
    }
    // Resend in order: PUBREL for released QoS 2, PUBLISH with DUP for the rest [MQTT-4.4.0-1].
    for (const entry of this.#inflight.values()) {
      if (entry.released) this.#stream!.write(encodeAck(PacketType.PUBREL, entry.packetId, 0, this.options.protocolVersion));
      else this.#write(entry.message, entry.packetId, connack.sessionPresent, entry.qos);
    }
    this.#pump();
  }

  #ended(reason: string): void {
    const was = this.#connected;
    this.#connected = false;
    this.#stream = null;
    if (this.#keepAliveTimer !== undefined) clearInterval(this.#keepAliveTimer);
    this.#keepAliveTimer = undefined;
    for (const resolve of this.#pendingSubscribes.values()) resolve([0x80]);
    this.#pendingSubscribes.clear();
    if (was) this.#events.onClose(reason);
  }

  #startKeepAlive(seconds: number): void {
    this.#pingOutstanding = false;
    // Check at the keep alive period: nothing heard for a whole period after a PINGREQ means the server is gone.
    this.#keepAliveTimer = setInterval(() => {
      if (this.#pingOutstanding && !this.#received) {
        this.destroy('keep alive timeout: no answer from the server');
        return;
      }
      this.#received = false;
      this.#pingOutstanding = true;
      this.#stream?.write(PINGREQ_BYTES);
    }, seconds * 1000);
    this.#keepAliveTimer.unref();
  }

  #onPacket(packet: Packet): void {
    const version = this.options.protocolVersion;
    switch (packet.type) {
      case PacketType.PUBLISH:
        return this.#onPublish(packet);
      case PacketType.PUBACK:
      case PacketType.PUBCOMP: {
        const entry = this.#inflight.get(packet.packetId);
        if (entry === undefined) return;
        // PUBACK ends QoS 1; PUBCOMP ends QoS 2. A PUBACK for a QoS 2 id is a server error: ignore it.
        if ((packet.type === PacketType.PUBACK) !== (entry.qos === 1)) return;
        this.#inflight.delete(packet.packetId);
        entry.resolve(packet.reasonCode);
        this.#pump();
        return;
      }
      case PacketType.PUBREC: {
        const entry = this.#inflight.get(packet.packetId);
        if (entry === undefined || entry.qos !== 2) {
          // Not ours (any more): release it so the server can forget it.
          this.#stream?.write(encodeAck(PacketType.PUBREL, packet.packetId, 0x92, version));
          return;
        }
        if (packet.reasonCode >= 0x80) {
          // [MQTT-4.4.0-2] a failing PUBREC ends the flow: acknowledged, never sent again.
          this.#inflight.delete(packet.packetId);
          entry.resolve(packet.reasonCode);
          this.#pump();
          return;
        }
        entry.released = true;
        this.#stream?.write(encodeAck(PacketType.PUBREL, packet.packetId, 0, version));
        return;
      }
      case PacketType.PUBREL:
        // [MQTT-4.3.3-11] PUBCOMP with the same id; the message was delivered at PUBREC.
        this.#inboundQoS2.delete(packet.packetId);
        this.#stream?.write(encodeAck(PacketType.PUBCOMP, packet.packetId, 0, version));
        return;
      case PacketType.SUBACK:
      case PacketType.UNSUBACK: {
        const resolve = this.#pendingSubscribes.get(packet.packetId);
        if (resolve === undefined) return;
        this.#pendingSubscribes.delete(packet.packetId);
        resolve(packet.reasonCodes);
        return;
      }
      case PacketType.PINGRESP:
        this.#pingOutstanding = false;
        return;
      case PacketType.DISCONNECT:
        this.#closeReason = `disconnected by the server with reason code 0x${packet.reasonCode.toString(16).padStart(2, '0')}`;
        this.#stream?.destroy();
        return;
      case PacketType.CONNECT:
      case PacketType.CONNACK:
      case PacketType.SUBSCRIBE:
      case PacketType.UNSUBSCRIBE:
      case PacketType.PINGREQ:
      case PacketType.AUTH:
        this.#closeReason = `unexpected packet type ${packet.type} from the server`;
        this.#stream?.destroy();
        return;
    }
  }

  #onPublish(packet: PublishPacket): void {
    const version = this.options.protocolVersion;
    const id = packet.packetId;
    const stream = this.#stream;
    if (packet.qos === 0) {
      this.#events.onMessage(packet, noop);
      return;
    }
    if (packet.qos === 1) {
      this.#events.onMessage(packet, () => {
        if (this.#stream === stream && stream !== null) stream.write(encodeAck(PacketType.PUBACK, id, 0, version));
      });
      return;
    }
    // QoS 2: a repeated id already received is only acknowledged again, never handed on twice [MQTT-4.3.3-10].
    if (this.#inboundQoS2.has(id)) {
      stream?.write(encodeAck(PacketType.PUBREC, id, 0, version));
      return;
    }
    if (this.#handling.has(id)) return;
    this.#handling.add(id);
    const handling = this.#handling;
    this.#events.onMessage(packet, () => {
      handling.delete(id);
      if (this.#stream !== stream || stream === null) return;
      this.#inboundQoS2.add(id);
      stream.write(encodeAck(PacketType.PUBREC, id, 0, version));
    });
  }

  // Moves waiting messages into flight while the server's Receive Maximum allows.
  #pump(): void {
    while (this.#connected && this.#waiting.length > 0 && this.#inflight.size < this.#serverReceiveMaximum) {
      this.#send(this.#waiting.shift()!);
    }
  }

  #send(entry: Outbound): void {
    entry.qos = entry.message.qos > this.#serverMaximumQoS ? this.#serverMaximumQoS : entry.message.qos;
    if (entry.qos === 0) {
      // [MQTT-3.2.2-11] the server takes nothing above its Maximum QoS: sent at QoS 0, done once written.
      this.#write(entry.message, 0, false, 0);
      entry.resolve(0);
      return;
    }
    entry.packetId = this.#allocate();
    this.#inflight.set(entry.packetId, entry);
    this.#write(entry.message, entry.packetId, false, entry.qos);
  }

  #write(message: OutgoingMessage, packetId: number, dup: boolean, qos: QoS = message.qos): void {
    const version = this.options.protocolVersion;
    let properties = version === 5 ? message.properties : EMPTY_PROPERTIES;
    const expiresAt = message.expiresAt ?? 0;
    if (expiresAt !== 0) {
      const left = expiresAt - Date.now();
      if (left <= 0) return this.#unsent(packetId, qos, EXPIRED);
      // [MQTT-3.3.2-6] the time left, not the original interval.
      if (version === 5) properties = { ...properties, messageExpiryInterval: Math.ceil(left / 1000) };
    }
    const packet: PublishPacket = {
      type: PacketType.PUBLISH,
      dup,
      qos,
      retain: message.retain,
      topic: message.topic,
      packetId: qos === 0 ? 0 : packetId,
      payload: message.payload,
      properties,
    };
    const bytes = encodePublish(packet, version);
    // [MQTT-3.2.2-15] never send more than the server accepts: the message counts as refused (0x95 Packet too large).
    if (this.#serverMaximumPacketSize !== 0 && bytes.length > this.#serverMaximumPacketSize) return this.#unsent(packetId, qos, 0x95);
    this.#stream?.write(bytes);
  }

  // Ends a QoS 1/2 message that will not be sent, with `code`.
  #unsent(packetId: number, qos: QoS, code: number): void {
    const entry = this.#inflight.get(packetId);
    if (entry === undefined || qos === 0) return;
    this.#inflight.delete(packetId);
    queueMicrotask(() => {
      entry.resolve(code);
      this.#pump();
    });
  }

  #allocate(): number {
    let id = this.#nextPacketId;
    while (this.#inflight.has(id) || this.#pendingSubscribes.has(id)) id = id === 65535 ? 1 : id + 1;
    this.#nextPacketId = id === 65535 ? 1 : id + 1;
    return id;
  }
}

function noop(): void {}
