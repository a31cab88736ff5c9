// CONNECT (section 3.1): protocol name and level, connect flags, keep alive, properties, payload.
import { ProtocolError, malformed, specIdFor } from './errors.js';
import { WILL_PROPERTIES, decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { ReasonCode } from './reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from './types.js';
import type { ConnectPacket, ProtocolVersion, QoS, Will } from './types.js';
import { validateWillTopic } from './validate.js';

/**
 * Checks the protocol name and level: `MQTT` goes with levels 4 and 5, `MQIsdp` with level 3 (MQTT 3.1).
 * - 3.1.1 (level 4) with another name: a protocol violation, the connection closes without CONNACK
 *   (3.1.1 [MQTT-3.1.2-1] allows no answer "in line with this specification"); the error is 0x81 (3.x).
 * - 5.0 (level 5) with another name: 0x84 Unsupported Protocol Version, which 5.0 [MQTT-3.1.2-1] allows as a CONNACK.
 * - `MQTT` or `MQIsdp` with a level it does not have: 0x84, answered with CONNACK return code 1 (3.1.1 [MQTT-3.1.2-2]).
 * - Any other name with level 3 or an unknown level: not an MQTT CONNECT we can answer; closed without CONNACK.
 */
export function validateProtocol(name: string, level: number): ProtocolVersion {
  if (name === 'MQTT' ? level === 4 || level === 5 : name === 'MQIsdp' && level === 3) return level as ProtocolVersion;
  if (level === 5) {
    throw new ProtocolError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `protocol name "${name}" is not "MQTT"`, 'MQTT-3.1.2-1');
  }
  if (level !== 4 && (name === 'MQTT' || name === 'MQIsdp')) {
    throw new ProtocolError(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, `protocol level ${level} is not a level of "${name}"`, 'MQTT-3.1.2-2');
  }
  throw malformed(`protocol name "${name}" with level ${level}`, 'MQTT-3.1.2-1');
}

/**
 * The fixed-header flags of CONNECT are reserved (0) in 3.1.1 and 5.0 (5.0 [MQTT-2.1.3-1], 3.1.1 [MQTT-2.2.2-1]).
 * 3.1 defines DUP, QoS and RETAIN bits in every fixed header and says they are not used in CONNECT, so a 3.1
 * CONNECT is accepted with any of them set. Checked here rather than with byte 1 because only the CONNECT's own
 * protocol level tells which rule applies.
 */
export function validateConnectHeaderFlags(flags: number, version: ProtocolVersion): void {
  if (version !== 3 && flags !== 0) {
    throw malformed(`reserved flags 0x${flags.toString(16)} in CONNECT`, specIdFor(version, 'MQTT-2.1.3-1', 'MQTT-2.2.2-1'));
  }
}

/**
 * Checks the connect flags byte: reserved bit 0 is zero [MQTT-3.1.2-3] (3.1 marks bit 0 unused without
 * requiring 0, so a 3.1 CONNECT may set it); without a will, will QoS and will retain are
 * zero (5.0 [MQTT-3.1.2-11] [MQTT-3.1.2-13], 3.1.1 [MQTT-3.1.2-13] [MQTT-3.1.2-15]); will QoS is not 3
 * (5.0 section 3.1.2.6 [MQTT-3.1.2-12], 3.1.1 [MQTT-3.1.2-14]); 3.x needs a user name for a password
 * (3.1.1 [MQTT-3.1.2-22]; 5.0 allows it). All are Malformed Packet (0x81).
 */
export function validateConnectFlags(flags: number, version: ProtocolVersion): void {
  if ((flags & 0x01) !== 0 && version !== 3) throw malformed('CONNECT reserved flag is set', 'MQTT-3.1.2-3');
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
export function decodeConnect(reader: Reader, headerFlags: number, _version: ProtocolVersion): ConnectPacket {
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
    validateConnectHeaderFlags(headerFlags, version);
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
