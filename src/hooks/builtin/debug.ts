// DebugHook: logs every packet in and out at debug level, with a compact summary.
import { PacketType } from '../../codec/types.js';
import type { Packet } from '../../codec/types.js';
import type { ClientInfo, Hook, HookContext, HookLogger } from '../hook.js';

/** Options of DebugHook. */
export interface DebugHookOptions {
  /** Hook id. Default `debug`. */
  id?: string;
  /** Logger; default the broker's (from init). */
  logger?: HookLogger;
  /** Payload bytes shown in the preview. Default 32. */
  previewBytes?: number;
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PacketType).map(([name, value]) => [value, name]));

/** A short, log-friendly description of a packet; payloads appear only as a length and a short preview. */
export function summarizePacket(packet: Packet, previewBytes = 32): Record<string, unknown> {
  const summary: Record<string, unknown> = { type: TYPE_NAMES[packet.type] ?? String(packet.type) };
  switch (packet.type) {
    case PacketType.CONNECT:
      Object.assign(summary, {
        clientId: packet.clientId,
        protocolVersion: packet.protocolVersion,
        clean: packet.clean,
        keepAlive: packet.keepAlive,
        username: packet.username,
        // Never log secrets: only whether a password was sent.
        password: packet.password === undefined ? undefined : '<redacted>',
        will: packet.will === undefined ? undefined : packet.will.topic,
      });
      break;
    case PacketType.CONNACK:
      Object.assign(summary, { sessionPresent: packet.sessionPresent, reasonCode: packet.reasonCode });
      break;
    case PacketType.PUBLISH: {
      const shown = packet.payload.subarray(0, previewBytes);
      const printable = /^[\x20-\x7e]*$/.test(shown.toString('latin1'));
      Object.assign(summary, {
        topic: packet.topic,
        qos: packet.qos,
        retain: packet.retain,
        dup: packet.dup,
        packetId: packet.packetId,
        bytes: packet.payload.length,
        preview: printable ? shown.toString('latin1') : shown.toString('hex'),
      });
      break;
    }
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      Object.assign(summary, { packetId: packet.packetId, reasonCode: packet.reasonCode });
      break;
    case PacketType.SUBSCRIBE:
      Object.assign(summary, { packetId: packet.packetId, filters: packet.subscriptions.map((s) => `${s.topic}@${s.qos}`) });
      break;
    case PacketType.SUBACK:
    case PacketType.UNSUBACK:
      Object.assign(summary, { packetId: packet.packetId, reasonCodes: packet.reasonCodes });
      break;
    case PacketType.UNSUBSCRIBE:
      Object.assign(summary, { packetId: packet.packetId, filters: packet.topics });
      break;
    case PacketType.DISCONNECT:
    case PacketType.AUTH:
      Object.assign(summary, { reasonCode: packet.reasonCode });
      break;
    case PacketType.PINGREQ:
    case PacketType.PINGRESP:
      break;
  }
  return summary;
}

/** Logs each inbound packet (onPacketRead) and each outbound one (onPacketSent) at debug level. */
export class DebugHook implements Hook {
  readonly id: string;
  #logger: HookLogger | undefined;
  readonly #preview: number;

  constructor(options: DebugHookOptions = {}) {
    this.id = options.id ?? 'debug';
    this.#logger = options.logger;
    this.#preview = options.previewBytes ?? 32;
  }

  /** Adopts the broker's logger unless one was given. */
  init(ctx: HookContext): void {
    this.#logger ??= ctx.logger;
  }

  /** Logs an inbound packet; never changes it. */
  onPacketRead(client: ClientInfo, packet: Packet): undefined {
    this.#logger?.debug({ clientId: client.id, direction: 'in', packet: summarizePacket(packet, this.#preview) }, 'packet in');
    return undefined;
  }

  /** Logs an outbound packet with its encoded size. */
  onPacketSent(client: ClientInfo, packet: Packet, bytes: number): void {
    this.#logger?.debug({ clientId: client.id, direction: 'out', bytes, packet: summarizePacket(packet, this.#preview) }, 'packet out');
  }
}
