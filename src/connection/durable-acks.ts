// Acknowledgements that promise durability (PUBACK, PUBREC of a message a persistent session must receive) wait in
// their connection's output until the journal batch holding the message is committed; if that commit fails they
// become refusals. Everything written after them waits too, so a connection's packets keep their order.
import { allocateBuffer } from '../codec/slab.js';
import type { PacketType } from '../codec/types.js';
import type { ProtocolVersion } from '../codec/types.js';
import type { PublishAck } from '../persistence/journal.js';

/** One held PUBACK or PUBREC and the batch it waits for. */
export interface HeldAck {
  readonly bytes: Buffer;
  readonly epoch: number;
  readonly type: typeof PacketType.PUBACK | typeof PacketType.PUBREC;
  readonly packetId: number;
  /** What it waits for. */
  readonly ack: PublishAck;
  /** Its position in the connection's pending output. */
  index: number;
  /** The packet onPacketSent hooks will hear of, when any listens. */
  readonly packet: { reasonCode: number } | null;
}

/**
 * Encodes a PUBACK or PUBREC with reason 0 that can be turned into a refusal in place: 5.0 always carries the reason
 * byte (so it can become 0x80 later), 3.x has none (a 3.x refusal closes the connection instead).
 */
export function encodeHeldAck(type: typeof PacketType.PUBACK | typeof PacketType.PUBREC, packetId: number, version: ProtocolVersion): Buffer {
  const v5 = version === 5;
  const bytes = allocateBuffer(v5 ? 5 : 4);
  bytes[0] = type << 4;
  bytes[1] = v5 ? 3 : 2;
  bytes[2] = packetId >> 8;
  bytes[3] = packetId & 0xff;
  if (v5) bytes[4] = 0;
  return bytes;
}

/** Turns a held 5.0 acknowledgement into a refusal with `reasonCode`. */
export function refuseHeldAck(ack: HeldAck, reasonCode: number): void {
  ack.bytes[4] = reasonCode;
  if (ack.packet !== null) ack.packet.reasonCode = reasonCode;
}
