// The shape of one catalogue case: wire bytes, the packet they mean (or the error they raise) and the rules they prove.
import type { Packet, ProtocolVersion } from '../../src/codec/types.js';

/** One annotated wire case, checked by catalogue.test.ts and reusable by broker tests. */
export interface PacketCase {
  /** `type/vN/what`, unique across the catalogue. */
  id: string;
  /** Protocol version the bytes are read and written with. */
  version: ProtocolVersion;
  /** Exactly one packet on the wire. */
  bytes: Buffer;
  /** What `bytes` decode to; absent for malformed cases. */
  packet?: Packet;
  /** `decode` for non-canonical forms our encoder does not produce; default `both`. */
  direction?: 'decode' | 'encode' | 'both';
  /**
   * The error a receiver must raise: its reason code and the spec statement. 3.x has no reason codes on the
   * wire (the receiver just closes), so every 3.x violation reports 0x81 except 0x84 (CONNACK return code 1)
   * and 0x95 (our own size limit); 5.0 cases carry the code the spec names.
   */
  decodeError?: { reason: number; spec?: string };
  /** Spec statements this case proves. */
  spec?: string[];
  /** Parser maximum packet size for this case (bytes, whole packet); default unlimited. */
  maxPacketSize?: number;
}
