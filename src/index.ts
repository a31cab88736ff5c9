// Public API of Swiftlet: everything a user imports comes from here.
export { Broker } from './broker.js';
export type { ClientSnapshot, SubscriptionSnapshot, RetainedSnapshot, ListenerInfo, QueueDepths, DetailedStats } from './broker-views.js';
export { HttpServer } from './http/http-server.js';
export type { HttpServerOptions } from './http/http-server.js';
export { SwiftletError } from './errors.js';
export type { SwiftletErrorCode } from './errors.js';
export { DEFAULT_CAPABILITIES, DEFAULT_COMPATIBILITIES, resolveCapabilities } from './options.js';
export type { BrokerOptions, BrokerLogger, Capabilities, Compatibilities } from './options.js';
export type { InlinePublishOptions, InlineSubscribeOptions, InlineSubscription } from './routing/inline-client.js';
export type { InlineHandler, InlineMessage } from './session/session.js';

export * from './codec/types.js';
export * from './codec/reason-codes.js';
export { ProtocolError } from './codec/errors.js';
export type { CodecErrorCode } from './codec/errors.js';
export { Parser } from './codec/parser.js';
export type { ParserOptions } from './codec/parser.js';
export { encodePacket, encodedLength } from './codec/encode.js';
export { decodePacket } from './codec/decode.js';

export * from './hooks/hook.js';
export { HookChain } from './hooks/hook-chain.js';
export { AllowAll } from './hooks/builtin/allow-all.js';
export { AuthLedger } from './hooks/builtin/auth-ledger.js';
export { LedgerError } from './hooks/builtin/ledger-rules.js';
export { ScramSha256 } from './hooks/builtin/scram-sha256.js';
export { createScramCredentials } from './hooks/builtin/scram-credentials.js';
export { RateLimit } from './hooks/builtin/rate-limit.js';
export { DebugHook } from './hooks/builtin/debug.js';
export { hashPassword, hashPasswordSync, verifyPassword } from './hooks/builtin/password-hash.js';

export type { Listener, ListenerAddress, ConnectionMeta, ConnectionHandler, PeerCertificateIdentity, ListenerStats, ConnectionRate } from './listeners/listener.js';
export { TcpListener } from './listeners/tcp-listener.js';
export type { TcpListenerOptions } from './listeners/tcp-listener.js';
export { TlsListener } from './listeners/tls-listener.js';
export type { TlsListenerOptions } from './listeners/tls-listener.js';
export { WebSocketListener, MQTT_SUBPROTOCOLS } from './listeners/websocket-listener.js';
export type { WebSocketListenerOptions, WebSocketTlsOptions } from './listeners/websocket-listener.js';
export { UnixListener } from './listeners/unix-listener.js';
export type { UnixListenerOptions } from './listeners/unix-listener.js';
export { StreamListener } from './listeners/stream-listener.js';
export type { StreamListenerOptions } from './listeners/stream-listener.js';
export { createListener } from './listeners/create-listener.js';
export type { ListenerConfig } from './listeners/create-listener.js';
export type { Persistence, PersistedState, SessionRecord, SubscriptionRecord, MessageRecord, QueuedRecord } from './persistence/persistence.js';
export { MemoryPersistence } from './persistence/persistence.js';
export { LmdbPersistence } from './persistence/lmdb-persistence.js';
export type { LmdbPersistenceOptions } from './persistence/lmdb-persistence.js';
