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
