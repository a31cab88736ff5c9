// The validated shape of a swiftlet configuration file, after defaults are applied.
import type { ClusterConfig } from './validate-cluster.js';
import type { Capabilities, Compatibilities } from '../options.js';
import type { LedgerData } from '../hooks/builtin/ledger-rules.js';
import type { HookModuleConfig, HttpAuthConfig, JwtAuthConfig, WebhookConfig } from './integration-types.js';
import type { BridgeConfig } from './validate-bridges.js';

/** Transports a configured listener can use. */
export type ListenerType = 'tcp' | 'tls' | 'ws' | 'wss' | 'unix';

/** Log levels accepted by `logging.level` (pino's names). */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** How log lines are written: JSON lines, one readable line each, or readable only on a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** One configured listener; which fields apply depends on `type` (see docs/configuration.md). */
export interface ListenerConfig {
  type: ListenerType;
  /** Unique id; default the type, then `type-2`, `type-3`, ... for repeats. */
  id: string;
  /** Bind address of network listeners; default 127.0.0.1. */
  host?: string;
  /** Port of network listeners; 0 picks a free one. Defaults: tcp 1883, tls 8883, ws 8080, wss 8443. */
  port?: number;
  /** Socket file for unix, URL path for ws/wss (default `/mqtt`). */
  path?: string;
  backlog?: number;
  maxConnections?: number;
  connectionRate?: { perSecond: number; burst?: number };
  connectionRatePerAddress?: { perSecond: number; burst?: number };
  proxyProtocol?: { trusted: string[]; headerTimeoutMs?: number };
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  passphrase?: string;
  /** ws/wss: largest WebSocket message, bytes. */
  maxPayload?: number;
  /** ws/wss: peers whose X-Forwarded-For header is believed. */
  trustedProxies?: string[];
  clientCertificates?: 'none' | 'optional' | 'required';
  handshakeTimeoutMs?: number;
  /** Reload the certificate files when they change. */
  watch?: boolean;
}

/** The HTTP server (health, metrics, management API). */
export interface HttpConfig {
  host: string;
  port: number;
  /** Bearer token the management API requires; without it the API is off. */
  token?: string;
  /** Bearer token that may only read (GET): the dashboard without disconnect, delete or publish. */
  readOnlyToken?: string;
  /** Serve the web dashboard at `/` when the API is on. Default true. */
  dashboard?: boolean;
  /** Serve /metrics. Default true. */
  metrics?: boolean;
  /** Serve the management API (needs `token`). Default true. */
  api?: boolean;
  /** Largest request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
}

/** Authentication: who may connect, from where, and the ledger of users and ACL rules. */
export interface AuthConfig {
  /** Let clients without a user name in from anywhere; undefined = the secure default (loopback only, and only while no users exist). */
  allowAnonymous?: boolean;
  /** Ledger data written in the config file. */
  ledger?: LedgerData;
  /** A ledger file (absolute path after loading), reloaded on SIGHUP. */
  ledgerFile?: string;
  /** Reload the ledger file when it changes. */
  watch: boolean;
  /** Offer SCRAM-SHA-256 enhanced authentication with the ledger's credentials. */
  scram: boolean;
  /** Use a verified TLS client certificate's common name as the user name. */
  useCertificateCommonNameAsUsername: boolean;
  /** Authentication (and ACL) by a web service. */
  http?: HttpAuthConfig;
  /** The password is a JWT. */
  jwt?: JwtAuthConfig;
}

/** Per-client publish limits (the RateLimit hook). */
export interface RateLimitConfig {
  publishPerSecond?: number;
  publishBytesPerSecond?: number;
  burst?: number;
  action?: 'reason' | 'disconnect';
}

/** The packet-logging DebugHook. */
export interface DebugConfig {
  previewBytes: number;
}

/** Where durable state lives: nowhere (memory), an LMDB database in a folder, or Redis. */
export interface StorageConfig {
  type: 'memory' | 'lmdb' | 'redis';
  /** lmdb: the database folder (absolute after loading; created when missing). */
  path?: string;
  /** redis: `redis://[user:password@]host:port[/db]` of a single server (default redis://127.0.0.1:6379). */
  url?: string;
  /** redis: a primary found through Sentinel. */
  sentinel?: { sentinels: { host: string; port: number }[]; name: string; password?: string; sentinelPassword?: string; db?: number };
  /** redis: a Redis Cluster, by any of its nodes. */
  cluster?: { nodes: { host: string; port: number }[]; password?: string };
  /** redis: prefix of every key (inside a hash tag). Default `swiftlet`. */
  keyPrefix?: string;
  /** lmdb, redis: cap on the bytes of stored messages, MiB; no cap when absent. */
  maxSizeMiB?: number;
}

/** Logging settings. */
export interface LoggingConfig {
  level: LogLevel;
  format: LogFormat;
}

/** A whole, validated configuration. */
export interface SwiftletConfig {
  id?: string;
  listeners: ListenerConfig[];
  http?: HttpConfig;
  auth: AuthConfig;
  rateLimit?: RateLimitConfig;
  debug?: DebugConfig;
  storage: StorageConfig;
  capabilities: Partial<Capabilities>;
  compatibilities: Partial<Compatibilities>;
  logging: LoggingConfig;
  sys: { interval: number };
  sharedSubscriptionStrategy?: 'round-robin' | 'random' | 'hash';
  responseInformationPrefix?: string;
  cluster?: ClusterConfig;
  /** Event endpoints. */
  webhooks?: WebhookConfig[];
  /** Hook modules, in order. */
  hooks?: HookModuleConfig[];
  bridges?: BridgeConfig[];
}

/** Default ports by listener type. */
export const DEFAULT_PORTS: Readonly<Record<Exclude<ListenerType, 'unix'>, number>> = { tcp: 1883, tls: 8883, ws: 8080, wss: 8443 };

/** Default HTTP port. */
export const DEFAULT_HTTP_PORT = 8081;

/** Default bind address: local only, so nothing is exposed by accident. */
export const DEFAULT_HOST = '127.0.0.1';
