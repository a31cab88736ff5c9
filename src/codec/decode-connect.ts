// CONNECT (section 3.1): protocol name and level, connect flags, keep alive, properties, payload.
import { ProtocolError, malformed, specIdFor } from './errors.js';
import { WILL_PROPERTIES, decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ConnectPacket, ProtocolVersion, QoS, Will } from './types.js';
import { validateWillTopic } from './validate.js';

/**
 * The protocol name must match the level: `MQIsdp` for 3, `MQTT` for 4 and 5 [MQTT-3.1.2-1]; another level is
 * unsupported [MQTT-3.1.2-2]. Both answer 0x84 Unsupported Protocol Version (3.x CONNACK return code 1).
 */
export function validateProtocol(name: string, level: number): ProtocolVersion {
  if (level !== 3 && level !== 4 && level !== 5) {
    throw new ProtocolError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `unsupported protocol level ${level}`, 'MQTT-3.1.2-2');
  }
  if (name !== (level === 3 ? 'MQIsdp' : 'MQTT')) {
    throw new ProtocolError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `protocol name "${name}" does not match level ${level}`, 'MQTT-3.1.2-1');
  }
  return level;
}

/**
 * Checks the connect flags byte: reserved bit 0 is zero [MQTT-3.1.2-3]; without a will, will QoS and will retain are
 * zero (5.0 [MQTT-3.1.2-11] [MQTT-3.1.2-13], 3.1.1 [MQTT-3.1.2-13] [MQTT-3.1.2-15]); will QoS is not 3
 * (5.0 section 3.1.2.6 [MQTT-3.1.2-12], 3.1.1 [MQTT-3.1.2-14]); 3.x needs a user name for a password
 * (3.1.1 [MQTT-3.1.2-22]; 5.0 allows it). All are Malformed Packet (0x81).
 */
export function validateConnectFlags(flags: number, version: ProtocolVersion): void {
  if ((flags & 0x01) !== 0) throw malformed('CONNECT reserved flag is set', 'MQTT-3.1.2-3');
  const willQos = (flags >> 3) & 3;
  if ((flags & 0x04) === 0) {
    if (willQos !== 0) throw malformed('will QoS set without a will', specIdFor(version, 'MQTT-3.1.2-11', 'MQTT-3.1.2-13'));
    if ((flags & 0x20) !== 0) throw malformed('will retain set without a will', specIdFor(version, 'MQTT-3.1.2-13', 'MQTT-3.1.2-15'));
  } else if (willQos === 3) {
    throw malformed('will QoS 3', specIdFor(version, 'MQTT-3.1.2-12', 'MQTT-3.1.2-14'));
  }
  if (version !== 5 && (flags & 0xc0) === 0x40) throw malformed('password flag set without user name flag', 'MQTT-3.1.2-22');
}

/** Decodes a CONNECT body; its own protocol level decides the format, and errors after it carry that version. */
export function decodeConnect(reader: Reader, _flags: number, _version: ProtocolVersion): ConnectPacket {
  const protocolName = reader.readString();
  const level = reader.readUint8();
  let version: ProtocolVersion;
  try {
    version = validateProtocol(protocolName, level);
  } catch (error) {
    // A known level with the wrong name still tells the broker which CONNACK format the client reads.
    if (error instanceof ProtocolError && (level === 3 || level === 4 || level === 5)) error.protocolVersion = level;
    throw error;
  }
  reader.version = version;
  try {
    const flags = reader.readUint8();
    validateConnectFlags(flags, version);
    const keepAlive = reader.readUint16();
    const properties = version === 5 ? decodeProperties(reader, PacketType.CONNECT) : EMPTY_PROPERTIES;
    const clientId = reader.readString();
    let will: Will | undefined;
    if ((flags & 0x04) !== 0) {
      const willProperties = version === 5 ? decodeProperties(reader, WILL_PROPERTIES) : EMPTY_PROPERTIES;
      const topic = reader.readString();
      validateWillTopic(topic, version);
      const payload = reader.readBinary();
      will = { topic, payload, qos: ((flags >> 3) & 3) as QoS, retain: (flags & 0x20) !== 0, properties: willProperties };
    }
    const username = (flags & 0x80) !== 0 ? reader.readString() : undefined;
    const password = (flags & 0x40) !== 0 ? reader.readBinary() : undefined;
    reader.expectEnd('CONNECT payload');
    return {
      type: PacketType.CONNECT,
      protocolName,
      protocolVersion: version,
      clean: (flags & 0x02) !== 0,
      keepAlive,
      clientId,
      username,
      password,
      will,
      properties,
    };
  } catch (error) {
    // The broker answers in the client's own CONNACK format, so record the level this CONNECT declared.
    if (error instanceof ProtocolError) error.protocolVersion = version;
    throw error;
  }
}
