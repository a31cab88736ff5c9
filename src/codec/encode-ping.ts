// PINGREQ and PINGRESP: fixed two-byte packets.

/** The encoded PINGREQ; shared, never mutate it. */
export const PINGREQ_BYTES: Buffer = Buffer.from([0xc0, 0x00]);

/** The encoded PINGRESP; shared, never mutate it. */
export const PINGRESP_BYTES: Buffer = Buffer.from([0xd0, 0x00]);
