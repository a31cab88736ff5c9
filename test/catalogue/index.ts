// The whole wire catalogue: every case in one list and by id.
import { authCases } from './auth.js';
import { connackCases } from './connack.js';
import { connectCases } from './connect.js';
import { disconnectCases } from './disconnect.js';
import { framingCases } from './framing.js';
import { pingreqCases } from './pingreq.js';
import { pingrespCases } from './pingresp.js';
import { pubackCases } from './puback.js';
import { pubcompCases } from './pubcomp.js';
import { publishCases } from './publish.js';
import { pubrecCases } from './pubrec.js';
import { pubrelCases } from './pubrel.js';
import { subackCases } from './suback.js';
import { subscribeCases } from './subscribe.js';
import { unsubackCases } from './unsuback.js';
import { unsubscribeCases } from './unsubscribe.js';
import type { PacketCase } from './types.js';

export type { PacketCase } from './types.js';
export { hex } from './hex.js';

/** Every catalogue case, grouped by packet type in wire order. */
export const allCases: readonly PacketCase[] = [
  ...connectCases,
  ...connackCases,
  ...publishCases,
  ...pubackCases,
  ...pubrecCases,
  ...pubrelCases,
  ...pubcompCases,
  ...subscribeCases,
  ...subackCases,
  ...unsubscribeCases,
  ...unsubackCases,
  ...pingreqCases,
  ...pingrespCases,
  ...disconnectCases,
  ...authCases,
  ...framingCases,
];

/** Catalogue cases by id (ids are unique; catalogue.test.ts checks it). */
export const cases: Readonly<Record<string, PacketCase>> = Object.fromEntries(allCases.map((c) => [c.id, c]));
