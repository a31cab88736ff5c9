// Lower-case packet type names, for metric labels and stats JSON.
import { PacketType } from '../codec/types.js';

/** Packet type number (1–15) → lower-case name; index 0 is `reserved`. */
export const PACKET_TYPE_NAMES: readonly string[] = (() => {
  const names = new Array<string>(16).fill('reserved');
  for (const [name, value] of Object.entries(PacketType)) names[value] = name.toLowerCase();
  return names;
})();

/** Turns a per-type count array into `{ connect: n, connack: n, ... }`. */
export function countsByPacketType(counts: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let t = 1; t <= 15; t++) out[PACKET_TYPE_NAMES[t]!] = counts[t] ?? 0;
  return out;
}
