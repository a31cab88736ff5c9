// Public API of Swiftlet: everything a user imports comes from here.
export * from './codec/types.js';
export * from './codec/reason-codes.js';
export { ProtocolError } from './codec/errors.js';
export type { CodecErrorCode } from './codec/errors.js';
export type { Listener, ListenerAddress, ConnectionMeta, ConnectionHandler, PeerCertificateIdentity } from './listeners/listener.js';
