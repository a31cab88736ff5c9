// The one error class the codec throws: it carries the reason code the broker must answer with.
import { ReasonCode } from './reason-codes.js';

/** Error codes of codec failures (SWIFTLET_ERR_<AREA>_<WHAT>). */
export type CodecErrorCode =
  | 'SWIFTLET_ERR_CODEC_MALFORMED'
  | 'SWIFTLET_ERR_CODEC_PROTOCOL'
  | 'SWIFTLET_ERR_CODEC_UNSUPPORTED_VERSION'
  | 'SWIFTLET_ERR_CODEC_TOO_LARGE'
  | 'SWIFTLET_ERR_CODEC_TOPIC_NAME'
  | 'SWIFTLET_ERR_CODEC_PAYLOAD_FORMAT'
  | 'SWIFTLET_ERR_CODEC_CLIENT_ID';

function codeFor(reason: number): CodecErrorCode {
  switch (reason) {
    case ReasonCode.MALFORMED_PACKET:
      return 'SWIFTLET_ERR_CODEC_MALFORMED';
    case ReasonCode.UNSUPPORTED_PROTOCOL_VERSION:
      return 'SWIFTLET_ERR_CODEC_UNSUPPORTED_VERSION';
    case ReasonCode.PACKET_TOO_LARGE:
      return 'SWIFTLET_ERR_CODEC_TOO_LARGE';
    case ReasonCode.TOPIC_NAME_INVALID:
      return 'SWIFTLET_ERR_CODEC_TOPIC_NAME';
    case ReasonCode.PAYLOAD_FORMAT_INVALID:
      return 'SWIFTLET_ERR_CODEC_PAYLOAD_FORMAT';
    case ReasonCode.CLIENT_IDENTIFIER_NOT_VALID:
      return 'SWIFTLET_ERR_CODEC_CLIENT_ID';
    default:
      return 'SWIFTLET_ERR_CODEC_PROTOCOL';
  }
}

/**
 * A packet that breaks the wire rules. `reasonCode` is what the broker answers with
 * (CONNACK or DISCONNECT for 5.0; 3.x just closes), `specId` the violated statement.
 */
export class ProtocolError extends Error {
  readonly code: CodecErrorCode;
  readonly reasonCode: number;
  readonly specId: string | undefined;
  /**
   * The protocol version the failing packet was read with, when known: for a CONNECT this is
   * its own protocol level once read, so the broker can answer with a CONNACK the client understands.
   */
  protocolVersion: 3 | 4 | 5 | undefined;

  constructor(reasonCode: number, message: string, specId?: string) {
    super(specId === undefined ? message : `${message} [${specId}]`);
    this.name = 'ProtocolError';
    this.reasonCode = reasonCode;
    this.specId = specId;
    this.code = codeFor(reasonCode);
    this.protocolVersion = undefined;
  }
}

/** Shorthand for a Malformed Packet (0x81) error. */
export function malformed(message: string, specId?: string): ProtocolError {
  return new ProtocolError(ReasonCode.MALFORMED_PACKET, message, specId);
}

/** Shorthand for a Protocol Error (0x82). */
export function protocolError(message: string, specId?: string): ProtocolError {
  return new ProtocolError(ReasonCode.PROTOCOL_ERROR, message, specId);
}

/**
 * Builds the error for a wire rule broken under `version`: 5.0 gets `reason5`, while 3.x has no
 * reason codes on DISCONNECT, so everything except 0x84 and 0x95 collapses to Malformed Packet (0x81).
 */
export function wireError(version: 3 | 4 | 5, reason5: number, message: string, specId?: string): ProtocolError {
  const reason =
    version === 5 || reason5 === ReasonCode.UNSUPPORTED_PROTOCOL_VERSION || reason5 === ReasonCode.PACKET_TOO_LARGE
      ? reason5
      : ReasonCode.MALFORMED_PACKET;
  return new ProtocolError(reason, message, specId);
}

/** Picks the spec id of a rule for the version being read: 5.0 ids and 3.1.1 ids differ for the same rule. */
export function specIdFor(version: 3 | 4 | 5, id5: string, id311: string): string {
  return version === 5 ? id5 : id311;
}
