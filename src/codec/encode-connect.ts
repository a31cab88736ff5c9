// CONNECT encoder (section 3.1).
import { encodeProperties, propertiesLength } from './properties.js';
import type { ConnectPacket, ProtocolVersion } from './types.js';
import { utf8Length } from './utf8.js';
import { varintSize, writeBinary, writeString, writeUint16, writeVarint } from './writer.js';
import { allocateBuffer } from './slab.js';

/** Byte length of the encoded CONNECT. */
export function connectLength(packet: ConnectPacket, version: ProtocolVersion): number {
  const body = connectBodyLength(packet, version);
  return 1 + varintSize(body) + body;
}

function connectBodyLength(p: ConnectPacket, version: ProtocolVersion): number {
  let n = 2 + utf8Length(p.protocolName) + 1 + 1 + 2 + 2 + utf8Length(p.clientId);
  if (version === 5) {
    const pl = propertiesLength(p.properties);
    n += varintSize(pl) + pl;
  }
  if (p.will !== undefined) {
    if (version === 5) {
      const wl = propertiesLength(p.will.properties);
      n += varintSize(wl) + wl;
    }
    n += 2 + utf8Length(p.will.topic) + 2 + p.will.payload.length;
  }
  if (p.username !== undefined) n += 2 + utf8Length(p.username);
  if (p.password !== undefined) n += 2 + p.password.length;
  return n;
}

/** Encodes a CONNECT with the packet's protocol name and level; properties only for version 5. */
export function encodeConnect(p: ConnectPacket, version: ProtocolVersion): Buffer {
  const body = connectBodyLength(p, version);
  const buf = allocateBuffer(1 + varintSize(body) + body);
  buf[0] = 0x10;
  let off = writeVarint(buf, 1, body);
  off = writeString(buf, off, p.protocolName, utf8Length(p.protocolName));
  buf[off++] = p.protocolVersion;
  let flags = p.clean ? 0x02 : 0;
  if (p.will !== undefined) flags |= 0x04 | (p.will.qos << 3) | (p.will.retain ? 0x20 : 0);
  if (p.password !== undefined) flags |= 0x40;
  if (p.username !== undefined) flags |= 0x80;
  buf[off++] = flags;
  off = writeUint16(buf, off, p.keepAlive);
  if (version === 5) off = encodeProperties(buf, off, p.properties, propertiesLength(p.properties));
  off = writeString(buf, off, p.clientId, utf8Length(p.clientId));
  if (p.will !== undefined) {
    if (version === 5) off = encodeProperties(buf, off, p.will.properties, propertiesLength(p.will.properties));
    off = writeString(buf, off, p.will.topic, utf8Length(p.will.topic));
    off = writeBinary(buf, off, p.will.payload);
  }
  if (p.username !== undefined) off = writeString(buf, off, p.username, utf8Length(p.username));
  if (p.password !== undefined) writeBinary(buf, off, p.password);
  return buf;
}
