// Typed errors of the broker API (codes SWIFTLET_ERR_<AREA>_<WHAT>); codec errors live in codec/errors.ts.

/** Error codes the broker API throws. */
export type SwiftletErrorCode =
  | 'SWIFTLET_ERR_BROKER_NOT_SERVING'
  | 'SWIFTLET_ERR_BROKER_CLOSED'
  | 'SWIFTLET_ERR_BROKER_ALREADY_SERVING'
  | 'SWIFTLET_ERR_LISTENER_DUPLICATE_ID'
  | 'SWIFTLET_ERR_BRIDGE_DUPLICATE_NAME'
  | 'SWIFTLET_ERR_LISTENER_UNKNOWN'
  | 'SWIFTLET_ERR_OPTIONS_INVALID'
  | 'SWIFTLET_ERR_PUBLISH_INVALID_TOPIC'
  | 'SWIFTLET_ERR_SUBSCRIBE_INVALID_FILTER'
  | 'SWIFTLET_ERR_CLIENT_UNKNOWN'
  | 'SWIFTLET_ERR_STORAGE_FORMAT'
  | 'SWIFTLET_ERR_STORAGE_UNAVAILABLE';

/** An error of the broker API, with a stable `code`. */
export class SwiftletError extends Error {
  readonly code: SwiftletErrorCode;

  constructor(code: SwiftletErrorCode, message: string) {
    super(message);
    this.name = 'SwiftletError';
    this.code = code;
  }
}
