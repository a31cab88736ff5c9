// One client stream: feeds the parser, tracks keep alive, queues and coalesces outbound bytes, closes cleanly.
import type { Duplex } from 'node:stream';
import { Parser } from '../codec/parser.js';
import type { ProtocolError } from '../codec/errors.js';
import { encodeAck, encodePacket } from '../codec/encode.js';
import { PacketType, EMPTY_PROPERTIES } from '../codec/types.js';
import type { ConnackPacket, Packet, ProtocolVersion, Properties } from '../codec/types.js';
import type { ClientInfo, ClientLimits } from '../hooks/hook.js';
import type { PublishRate } from './publish-rate.js';
import type { ConnectionMeta } from '../listeners/listener.js';
import type { Session } from '../session/session.js';
import type { BrokerContext } from '../context.js';
import { dispatchPacket, failConnection, handleParseError } from '../handlers/dispatch.js';
import { chunkLength, shortAck, writePending } from './outbound.js';
import type { PendingChunk } from './outbound.js';
import { encodeHeldAck, refuseHeldAck } from './durable-acks.js';
import type { HeldAck } from './durable-acks.js';
import { deliveredWithoutCommit } from '../persistence/journal.js';
import type { CommitWaiter, PublishAck } from '../persistence/journal.js';
import { ReasonCode } from '../codec/reason-codes.js';
import type { TopicAliasesOut } from '../session/topic-aliases-out.js';
import type { PendingConnect } from '../handlers/connect.js';

/** Connection lifecycle. */
export const ConnectionState = {
  /** Waiting for CONNECT. */
  NEW: 0,
  /** CONNECT received; authentication or hooks still running. */
  CONNECTING: 1,
  /** CONNACK sent; the session is attached. */
  CONNECTED: 2,
  /** Closing: no more packets are processed. */
  CLOSING: 3,
  CLOSED: 4,
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** The acknowledgement packets of the QoS 1/2 flows. */
export type AckType = typeof PacketType.PUBACK | typeof PacketType.PUBREC | typeof PacketType.PUBREL | typeof PacketType.PUBCOMP;

/** Result of a packet handler: nothing, or a promise when a hook went async (packets wait behind it). */
export type HandlerResult = void | Promise<void>;

let nextConnectionNumber = 1;

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

const CONNECTION = Symbol('swiftlet.connection');
type ConnectionStream = Duplex & { [CONNECTION]?: Connection };

function onStreamData(this: ConnectionStream, chunk: Buffer): void {
  this[CONNECTION]?.received(chunk);
}
function onStreamError(this: ConnectionStream, err: Error): void {
  this[CONNECTION]?.failed(err);
}
function onStreamClose(this: ConnectionStream): void {
  this[CONNECTION]?.closed();
}
function onStreamEnd(this: ConnectionStream): void {
  // Half-closed by the peer: treat as a close; the will is published unless DISCONNECT came first.
  this[CONNECTION]?.destroy();
}
function onStreamDrain(this: ConnectionStream): void {
  this[CONNECTION]?.drained();
}

/** One client connection over any Duplex stream. */
export class Connection implements CommitWaiter {
  readonly ctx: BrokerContext;
  readonly stream: Duplex;
  readonly meta: ConnectionMeta;
  readonly parser: Parser;
  /** Process-unique number, for logs. */
  readonly number = nextConnectionNumber++;
  state: ConnectionState = ConnectionState.NEW;
  version: ProtocolVersion = 4;
  session: Session | null = null;
  client: ClientInfo | null = null;
  /** A connection the broker opened to itself (a bridge's local side): no authentication, no ACL. */
  trusted = false;
  readonly openedAt: number;

  /** Keep alive in ms as granted (0 = none); the sweep closes the connection after 1.5× of silence [MQTT-3.1.2-24]. */
  keepAliveMs = 0;
  /** Set on every received chunk; the sweep turns it into `lastSeen` so the hot path never reads the clock. */
  active = true;
  lastSeen: number;

  // Negotiated with a 5.0 client.
  /** Client's Receive Maximum: QoS 1/2 PUBLISH we may have unacknowledged towards it [MQTT-3.3.4-7]. */
  clientReceiveMaximum = 65535;
  /** Client's Maximum Packet Size; 0 = none [MQTT-3.1.2-24]. */
  clientMaximumPacketSize = 0;
  /** Client's Topic Alias Maximum: aliases we may use towards it. */
  clientTopicAliasMaximum = 0;
  /** Request Problem Information: reason strings and user properties allowed on acks. */
  problemInformation = true;
  /** Inbound topic aliases (alias → topic), created on first use. */
  inboundAliases: Map<number, string> | null = null;
  /** Outbound topic aliases, when the client accepts any. */
  outboundAliases: TopicAliasesOut | null = null;
  /** Enhanced authentication in progress (method and scratch state). */
  authMethod: string | undefined = undefined;
  #authState: Map<string, unknown> | null = null;
  /** The CONNECT waiting for enhanced authentication to finish. */
  pendingConnect: PendingConnect | null = null;
  /** Limits an authenticate hook or ledger user set for this client alone; null (the usual case) = the broker's. */
  limits: ClientLimits | null = null;
  /** This client's own publish rate (from `limits`), null when it has none. */
  publishRate: PublishRate | null = null;
  /** Set once the broker has detached this connection from its session (takeover or close). */
  detached = false;

  /** True once a normal DISCONNECT was received: the will is discarded [MQTT-3.1.2-10]. */
  discardWill = false;
  /** Reason code of the close, for hooks and logs. */
  closeReason = 0;
  closeError: Error | undefined = undefined;
  closedByServer = false;

  /** Packets waiting while an async handler runs (keeps per-connection order). */
  #backlog: Packet[] | null = null;
  /** Packets queued this turn for onPacketSent hooks, as (packet, encoded size) pairs; null while none. */
  #sentPackets: (Packet | number)[] | null = null;
  /** Bytes queued this turn; null while nothing is (an idle connection keeps no array). */
  #pending: PendingChunk[] | null = null;
  #pendingBytes = 0;
  /** The journal batch the pending output waits for (acknowledgements that promise durability); 0 = none. */
  #holdEpoch = 0;
  /** Held acknowledgements not yet known durable, oldest first. */
  #heldAcks: HeldAck[] | null = null;
  #waitingForCommit = false;
  #releaseScheduled = false;
  #queuedForFlush = false;
  #destroyTimer: NodeJS.Timeout | undefined = undefined;
  /** Set when the stream's write() returned false, cleared on 'drain'. */
  #backpressured = false;
  /** Reading paused because the client does not read what it is sent (its answers would pile up); resumed on 'drain'. */
  #readPaused = false;
  /** This connection's share of stats.outboundBufferedBytes: its stream's buffered bytes while it pushes back, else 0. */
  #counted = 0;
  /** Bytes handed to the stream since it opened; less the stream's buffered bytes, what has left it. */
  #bytesOut = 0;
  /** Bytes that had left the stream when the stall clock started, and when it started (-1 = not running). */
  #stallMark = 0;
  #stalledSince = -1;
  /** True until the first byte arrives (it must start a CONNECT). */
  #firstByte = true;

  constructor(ctx: BrokerContext, stream: Duplex, meta: ConnectionMeta) {
    this.ctx = ctx;
    this.stream = stream;
    this.meta = meta;
    this.openedAt = this.lastSeen = ctx.clock();
    // The connection is the parser's callback object and the stream's listeners are shared functions
    // finding it through a symbol: no closures per connection (memory per idle client matters).
    this.parser = new Parser(this);
    const max = ctx.capabilities.maximumPacketSize;
    if (max > 0) this.parser.setMaxPacketSize(max);
    (stream as ConnectionStream)[CONNECTION] = this;
    stream.on('data', onStreamData);
    stream.on('error', onStreamError);
    stream.on('close', onStreamClose);
    stream.on('end', onStreamEnd);
    stream.on('drain', onStreamDrain);
  }

  /** Parser callback: a decoded packet. */
  onPacket(packet: Packet): void {
    this.#onPacket(packet);
  }

  /** Parser callback: the stream broke the wire rules. */
  onError(error: ProtocolError): void {
    this.#onParseError(error);
  }

  /** Bytes from the stream. */
  received(chunk: Buffer): void {
    this.active = true;
    this.ctx.stats.bytesReceived += chunk.length;
    if (this.#firstByte && chunk.length > 0) {
      this.#firstByte = false;
      // [MQTT-3.1.0-1] the first packet must be CONNECT: judge it by its first byte, so another type is refused
      // before its announced body is buffered (a stray PROXY header reads as PUBREC with an 82-byte body).
      if (chunk[0]! >> 4 !== PacketType.CONNECT) {
        this.destroy();
        return;
      }
    }
    if (this.state < ConnectionState.CLOSING) this.parser.push(chunk);
  }

  /** The stream drained: let held QoS 1/2 messages move. */
  drained(): void {
    this.#backpressured = false;
    this.#stalledSince = -1;
    this.#count(0);
    if (this.#readPaused) this.#resumeReading();
    if (this.session !== null && this.state === ConnectionState.CONNECTED) this.ctx.delivery.pump(this.session);
  }

  /** The stream failed; the close event follows. */
  failed(err: Error): void {
    if (this.closeError === undefined) this.closeError = err;
  }

  /** The stream closed. */
  closed(): void {
    this.#onClosed();
  }

  /** Scratch space of enhanced authentication, created on first use. */
  get authState(): Map<string, unknown> {
    return (this.#authState ??= new Map());
  }

  /** True while the connection accepts deliveries. */
  get isConnected(): boolean {
    return this.state === ConnectionState.CONNECTED;
  }

  /**
   * True when the socket has more buffered than the high-water mark, or pushes back while the sockets of all clients
   * together hold more than maximumOutboundBytes: QoS 0 is dropped, QoS 1/2 held.
   */
  get congested(): boolean {
    const caps = this.ctx.capabilities;
    const hwm = caps.outboundHighWaterMark;
    // Reading the stream's buffered length costs more than the delivery itself: only do it once the
    // stream has pushed back (write() returned false) or our own queue is already large.
    if (!this.#backpressured && this.#pendingBytes < hwm) return false;
    const buffered = this.stream.writableLength;
    if (!this.#backpressured) return buffered + this.#pendingBytes > hwm;
    // Keeps the broker-wide figure current while it is read anyway.
    this.#count(buffered);
    if (buffered + this.#pendingBytes > hwm) return true;
    return caps.maximumOutboundBytes !== 0 && this.ctx.stats.outboundBufferedBytes > caps.maximumOutboundBytes;
  }

  /**
   * How long, in ms, this connection's buffered output has not shrunk at all (0 while it is not pushing back or
   * still moving); the sweep closes it past outboundStallTimeout.
   */
  stalledFor(now: number): number {
    if (!this.#backpressured) return 0;
    const left = this.#bytesOut - this.stream.writableLength;
    if (this.#stalledSince === -1 || left !== this.#stallMark) {
      this.#stallMark = left;
      this.#stalledSince = now;
      return 0;
    }
    return now - this.#stalledSince;
  }

  /** Closes a connection whose client has read nothing for outboundStallTimeout: nothing more can reach it. */
  closeStalled(): void {
    this.ctx.stats.stalledDisconnects++;
    this.closedByServer = true;
    this.closeReason = ReasonCode.QUOTA_EXCEEDED;
    if (this.closeError === undefined) this.closeError = new Error(`the client read nothing for ${this.ctx.capabilities.outboundStallTimeout} ms`);
    // No DISCONNECT: it would only join the output the client does not read.
    this.destroy();
  }

  #count(buffered: number): void {
    this.ctx.stats.outboundBufferedBytes += buffered - this.#counted;
    this.#counted = buffered;
  }

  /** Most QoS 1/2 messages in flight to this client: the broker's (or this client's own) window, lowered by its Receive Maximum. */
  get inflightLimit(): number {
    const own = this.limits?.maximumInflight ?? this.ctx.capabilities.maximumInflight;
    return this.clientReceiveMaximum < own ? this.clientReceiveMaximum : own;
  }

  /** The Receive Maximum advertised to this client (the broker's, or this client's own). */
  get receiveMaximum(): number {
    return this.limits?.receiveMaximum ?? this.ctx.capabilities.receiveMaximum;
  }

  #onPacket(packet: Packet): void {
    this.ctx.stats.packetsReceived++;
    this.ctx.stats.packetsReceivedByType[packet.type]!++;
    if (this.#backlog !== null) {
      this.#backlog.push(packet);
      return;
    }
    this.#run(packet);
  }

  #run(packet: Packet): void {
    if (this.state >= ConnectionState.CLOSING) return;
    let result: HandlerResult;
    try {
      result = dispatchPacket(this, packet);
    } catch (err) {
      this.#processed(packet, err);
      failConnection(this, err);
      return;
    }
    if (result !== undefined) {
      // A hook went async: hold later packets (and socket reads) until it settles, to keep order.
      this.#backlog = [];
      this.stream.pause();
      result.then(
        () => {
          this.#processed(packet, undefined);
          this.#resume();
        },
        (err: unknown) => {
          this.#processed(packet, err);
          failConnection(this, err);
        },
      );
    } else if (this.ctx.hooks.onPacketProcessed !== null) {
      this.#processed(packet, undefined);
    }
  }

  // onPacketProcessed, once the handler is done with a packet (for a client known by then).
  #processed(packet: Packet, err: unknown): void {
    const hooks = this.ctx.hooks;
    if (hooks.onPacketProcessed === null || this.client === null) return;
    hooks.notify('onPacketProcessed', this.client, packet, err === undefined ? undefined : toError(err));
  }

  #resume(): void {
    const backlog = this.#backlog;
    this.#backlog = null;
    if (backlog !== null) {
      for (let i = 0; i < backlog.length; i++) {
        const waiting = this.#waiting();
        if (waiting !== null) {
          // Went async again: keep the rest behind it.
          for (let j = i; j < backlog.length; j++) waiting.push(backlog[j]!);
          return;
        }
        this.#run(backlog[i]!);
      }
    }
    if (this.#waiting() === null && !this.#readPaused && this.state < ConnectionState.CLOSING) this.stream.resume();
  }

  #waiting(): Packet[] | null {
    return this.#backlog;
  }

  #onParseError(error: ProtocolError): void {
    handleParseError(this, error);
  }

  /** Queues encoded bytes; all connections written to in one turn are flushed together right after it. */
  write(bytes: Buffer): void {
    if (this.state === ConnectionState.CLOSED) return;
    (this.#pending ??= []).push(bytes);
    this.#pendingBytes += bytes.length;
    // One turn may read many chunks from a client (each answered): stop reading once the answers pass the mark.
    if (this.#pendingBytes > this.ctx.capabilities.outboundHighWaterMark && !this.#readPaused) this.#pauseReading();
    this.ctx.stats.packetsSent++;
    this.ctx.stats.packetsSentByType[bytes[0]! >> 4]!++;
    if (!this.#queuedForFlush) {
      this.#queuedForFlush = true;
      this.ctx.flusher.schedule(this);
    }
  }

  /** Queues one packet given as two parts (a PUBLISH head and its large payload, which is never copied). */
  writeParts(head: Buffer, payload: Buffer): void {
    this.write(head);
    // write() queues nothing on a closed connection; then the payload must not be queued either.
    if (this.#pending === null) return;
    this.#pending.push(payload);
    this.#pendingBytes += payload.length;
  }

  /** Encodes and queues a packet in this connection's protocol version (through onPacketEncode / onPacketSent hooks). */
  send(packet: Packet): void {
    const hooks = this.ctx.hooks;
    if (!hooks.outboundPackets || this.client === null) {
      this.write(encodePacket(packet, this.version));
      return;
    }
    const p = hooks.onPacketEncode === null ? packet : hooks.runOnPacketEncode(this.client, packet);
    this.writePacket(encodePacket(p, this.version), p);
  }

  /** Queues PUBACK, PUBREC, PUBREL or PUBCOMP (encoded straight to bytes unless hooks watch outbound packets). */
  sendAck(type: AckType, packetId: number, reasonCode: number): void {
    if (this.ctx.hooks.outboundPackets && this.client !== null) this.send({ type, packetId, reasonCode, properties: EMPTY_PROPERTIES });
    else if (reasonCode === 0 || this.version !== 5) this.#queueShortAck(type, packetId);
    else this.write(encodeAck(type, packetId, reasonCode, this.version));
  }

  // A 4-byte acknowledgement (any 3.x one, a 5.0 one with reason 0x00): queued as a number, encoded by the flush.
  #queueShortAck(type: AckType, packetId: number): void {
    if (this.state === ConnectionState.CLOSED) return;
    (this.#pending ??= []).push(shortAck((type << 4) | (type === PacketType.PUBREL ? 2 : 0), packetId));
    this.#pendingBytes += 4;
    this.ctx.stats.packetsSent++;
    this.ctx.stats.packetsSentByType[type]!++;
    if (!this.#queuedForFlush) {
      this.#queuedForFlush = true;
      this.ctx.flusher.schedule(this);
    }
  }

  /** Queues `bytes`, the encoding of `packet`; onPacketSent hooks hear of it when it is handed to the stream. */
  writePacket(bytes: Buffer, packet: Packet): void {
    this.write(bytes);
    if (this.state === ConnectionState.CLOSED || this.ctx.hooks.onPacketSent === null) return;
    (this.#sentPackets ??= []).push(packet, bytes.length);
  }

  /** Holds this connection's output (all of it, in order) until the journal's current batch is committed. */
  holdForCommit(): void {
    const epoch = this.ctx.journal.epoch;
    if (epoch > this.#holdEpoch) this.#holdEpoch = epoch;
  }

  /**
   * Queues a PUBACK or PUBREC that may only leave once what its publish recorded is committed (or, for deliveries
   * only, acknowledged by every subscriber). If the commit fails first it leaves as a refusal (5.0: 0x80); 3.x, which
   * cannot refuse, has its connection closed unacknowledged. Everything written after it waits too.
   */
  writeDurableAck(type: typeof PacketType.PUBACK | typeof PacketType.PUBREC, packetId: number, ack: PublishAck): void {
    const bytes = encodeHeldAck(type, packetId, this.version);
    // onPacketSent hears of it as it finally goes (a refusal once refused); it is not passed through onPacketEncode,
    // since a failed commit must be able to turn its bytes into a refusal in place.
    const packet = this.ctx.hooks.onPacketSent !== null && this.client !== null ? { type, packetId, reasonCode: 0, properties: EMPTY_PROPERTIES } : null;
    (this.#heldAcks ??= []).push({ bytes, epoch: ack.epoch, type, packetId, ack, index: this.#pending === null ? 0 : this.#pending.length, packet });
    ack.waiter = this;
    this.write(bytes);
    if (packet !== null) (this.#sentPackets ??= []).push(packet, bytes.length);
  }

  /** A held acknowledgement needs no commit any more (its deliveries were all acknowledged): output may go sooner. */
  ackReady(): void {
    if (this.#releaseScheduled || this.#heldAcks === null) return;
    this.#releaseScheduled = true;
    this.ctx.flusher.schedule(this);
  }

  /** The journal settled batch `epoch`: held acknowledgements become final (refusals when it failed); output may go. */
  commitSettled(epoch: number, ok: boolean): boolean {
    if (this.state === ConnectionState.CLOSED) {
      this.#waitingForCommit = false;
      return true;
    }
    const acks = this.#heldAcks;
    let refused = false;
    if (acks !== null) {
      let settled = 0;
      while (settled < acks.length && acks[settled]!.epoch <= epoch) {
        const held = acks[settled++]!;
        if (ok || deliveredWithoutCommit(held.ack)) continue;
        refused = true;
        if (this.version === 5) refuseHeldAck(held, ReasonCode.UNSPECIFIED_ERROR);
        // Only a successful PUBREC holds the id [MQTT-4.3.3-9].
        if (held.type === PacketType.PUBREC && this.session !== null) this.ctx.store.releaseInbound(this.session, held.packetId);
      }
      if (settled > 0) this.#heldAcks = settled === acks.length ? null : acks.slice(settled);
    }
    if (refused && this.version !== 5) {
      // 3.x has no refusing acknowledgement: close without one, so the client sends the message again.
      this.#waitingForCommit = false;
      this.#holdEpoch = 0;
      this.#heldAcks = null;
      this.#pending = null;
      this.#pendingBytes = 0;
      this.closeReason = ReasonCode.UNSPECIFIED_ERROR;
      this.destroy();
      return true;
    }
    // Write what may go now; flush() registers again for what still waits.
    this.#waitingForCommit = false;
    this.flush();
    return !this.#waitingForCommit;
  }

  /**
   * Writes the held output that may go: everything before the first acknowledgement not yet due (acknowledgements keep
   * their order, and so does everything around them). Returns true when some output still waits.
   */
  #releaseHeld(): boolean {
    const durable = this.ctx.journal.durableEpoch;
    if (this.#holdEpoch > durable) return true;
    const acks = this.#heldAcks;
    if (acks === null) return false;
    let first = 0;
    while (first < acks.length && (acks[first]!.epoch <= durable || deliveredWithoutCommit(acks[first]!.ack))) first++;
    if (first === acks.length) return false;
    if (first === 0 && acks[0]!.index === 0) return true;
    const waiting = first === 0 ? acks : acks.slice(first);
    const cut = waiting[0]!.index;
    const pending = this.#pending;
    if (cut > 0 && pending !== null) {
      const head = pending.slice(0, cut);
      let bytes = 0;
      for (let i = 0; i < head.length; i++) bytes += chunkLength(head[i]!);
      this.#pending = pending.slice(cut);
      this.#pendingBytes -= bytes;
      for (let i = 0; i < waiting.length; i++) waiting[i]!.index -= cut;
      this.#writeOut(head, bytes, null);
    }
    this.#heldAcks = waiting;
    return true;
  }

  /** Writes everything queued as one write (small packets are joined into one buffer, large ones are not copied). */
  flush(): void {
    this.#releaseScheduled = false;
    if ((this.#holdEpoch !== 0 || this.#heldAcks !== null) && this.#releaseHeld()) {
      // Held: commitSettled() or ackReady() flushes. Stay marked as queued, so writes meanwhile do not reschedule.
      if (!this.#waitingForCommit) {
        this.#waitingForCommit = true;
        this.ctx.journal.wait(this);
      }
      return;
    }
    // Whatever was held is durable now.
    this.#holdEpoch = 0;
    this.#heldAcks = null;
    this.#queuedForFlush = false;
    const pending = this.#pending;
    if (pending === null) return;
    const bytes = this.#pendingBytes;
    this.#pending = null;
    this.#pendingBytes = 0;
    const sent = this.#sentPackets;
    this.#sentPackets = null;
    this.#writeOut(pending, bytes, sent);
  }

  /**
   * Hands `pending` to the stream; `sent` are the packets onPacketSent hears of (null when a held part goes early:
   * its packets are reported with the rest of the output).
   */
  #writeOut(pending: PendingChunk[], bytes: number, sent: (Packet | number)[] | null): void {
    if (this.state === ConnectionState.CLOSED || this.stream.destroyed || this.stream.writableEnded) return;
    this.ctx.stats.bytesSent += bytes;
    this.#bytesOut += bytes;
    const ok = writePending(this.stream, pending, bytes);
    if (sent !== null) this.#notifySent(sent);
    if (!ok) {
      this.#backpressured = true;
      const buffered = this.stream.writableLength;
      this.#count(buffered);
      // The client reads nothing: stop reading it too, so the answers to what it sends (acknowledgements, PINGRESP,
      // SUBACK) cannot pile up here; TCP pushes back on it until it reads again ('drain' resumes).
      if (buffered > this.ctx.capabilities.outboundHighWaterMark && !this.#readPaused) this.#pauseReading();
      return;
    }
    // Paused for a large turn that the stream took at once: no 'drain' may come to resume reading.
    if (this.#readPaused) this.#resumeReading();
    if (this.session !== null && this.session.queue.size > 0 && this.state === ConnectionState.CONNECTED) {
      // The stream took everything without pushing back, so no 'drain' will come: keep the queue moving.
      this.ctx.delivery.pump(this.session);
    }
  }

  #pauseReading(): void {
    this.#readPaused = true;
    this.stream.pause();
  }

  #resumeReading(): void {
    this.#readPaused = false;
    // An async hook may hold reading paused too (#resume reads again once it settles).
    if (this.#backlog === null && this.state < ConnectionState.CLOSING) this.stream.resume();
  }

  #notifySent(sent: (Packet | number)[]): void {
    const hooks = this.ctx.hooks;
    if (hooks.onPacketSent === null || this.client === null) return;
    for (let i = 0; i < sent.length; i += 2) hooks.notify('onPacketSent', this.client, sent[i] as Packet, sent[i + 1] as number);
  }

  /**
   * Closes from the server side: a 5.0 client gets DISCONNECT with `reasonCode` (when given and allowed),
   * then the stream ends; it is destroyed if the peer does not close within a second.
   */
  close(reasonCode: number | undefined, error?: Error, properties: Properties = EMPTY_PROPERTIES): void {
    if (this.state >= ConnectionState.CLOSING) return;
    const wasConnected = this.state === ConnectionState.CONNECTED;
    this.state = ConnectionState.CLOSING;
    this.closedByServer = true;
    if (reasonCode !== undefined) this.closeReason = reasonCode;
    if (error !== undefined && this.closeError === undefined) this.closeError = error;
    // [MQTT-4.13.1-1] 5.0: a server DISCONNECT (only after CONNACK [MQTT-3.14.0-1]) before closing on errors.
    if (reasonCode !== undefined && this.version === 5 && wasConnected && !this.ctx.compatibilities.passiveClientDisconnect) {
      const props = this.problemInformation ? properties : EMPTY_PROPERTIES;
      this.send({ type: PacketType.DISCONNECT, reasonCode, properties: props });
    }
    this.flush();
    this.stream.end();
    this.#destroyTimer = setTimeout(() => this.destroy(), 1000);
    this.#destroyTimer.unref();
  }

  /**
   * Refuses the connection before it is acknowledged: counted as refused with `reasonCode`, the CONNACK sent when
   * there is one the client can read, then the stream destroyed [MQTT-3.2.2-5].
   */
  refuse(reasonCode: number, connack?: ConnackPacket, error?: Error): void {
    const stats = this.ctx.stats;
    stats.connectionsRefused++;
    stats.connectionsRefusedByReason[reasonCode & 0xff]!++;
    if (connack !== undefined) this.send(connack);
    if (this.state < ConnectionState.CLOSING) this.state = ConnectionState.CLOSING;
    this.closedByServer = true;
    this.closeReason = reasonCode;
    if (error !== undefined && this.closeError === undefined) this.closeError = error;
    this.destroy();
  }

  /** Refuses a connection an onAccept hook turned away, before anything was read. */
  abort(): void {
    this.refuse(0);
  }

  /** Destroys the stream at once (keep alive timeout, errors after CONNACK in 3.x, broker shutdown). */
  destroy(): void {
    if (this.state === ConnectionState.CLOSED) return;
    if (this.state < ConnectionState.CLOSING) this.state = ConnectionState.CLOSING;
    this.flush();
    this.stream.destroy();
  }

  #onClosed(): void {
    if (this.state === ConnectionState.CLOSED) return;
    this.state = ConnectionState.CLOSED;
    if (this.#destroyTimer !== undefined) clearTimeout(this.#destroyTimer);
    this.#pending = null;
    this.#pendingBytes = 0;
    this.#sentPackets = null;
    this.#count(0);
    this.ctx.connectionClosed(this);
  }
}
