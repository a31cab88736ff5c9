// The JSON shapes the management API and the event stream send (see docs/http-api.yaml).

export type Scope = 'full' | 'read-only';

export interface Client {
  id: string;
  protocol: string;
  username: string | null;
  address: string;
  listener: string;
  connected: boolean;
  connectedAt: string | null;
  keepAlive: number;
  sessionExpiryInterval: number;
  subscriptions: { filter: string; qos: number }[];
  inflight: number;
  queued: number;
  queuedBytes: number;
  dropped: number;
  limits: ClientLimits;
}

/** The limits in force for a client (0 = unlimited for queued bytes, subscriptions and rates). */
export interface ClientLimits {
  receiveMaximum: number;
  maximumInflight: number;
  inflightWindow: number;
  maximumQueuedMessages: number;
  maximumQueuedBytes: number;
  maximumSubscriptionsPerClient: number;
  publishPerSecond: number;
  publishBytesPerSecond: number;
  /** The keys set for this client alone. */
  overridden: string[];
}

export interface Subscription {
  clientId: string;
  filter: string;
  qos: number;
  /** Share group name; absent for a normal subscription. */
  group?: string | null;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: number;
  identifier: number;
}

export interface Retained {
  topic: string;
  qos: number;
  payload: string | null;
  payloadBase64: string;
  properties: Record<string, unknown>;
}

export interface Listener {
  id: string;
  transport: string;
  address: { host?: string; port?: number; path?: string } | null;
  stats: { accepted: number; open: number; refused: Record<string, number> } | null;
}

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

/** One `stats` event: the counters of GET /api/v1/stats plus process figures. */
export interface Stats {
  time: number;
  uptime: number;
  clientsConnected: number;
  clientsMaximum: number;
  sessions: number;
  subscriptions: number;
  retainedMessages: number;
  retainedBytes: number;
  publishReceived: number;
  publishSent: number;
  messagesDropped: number;
  bytesReceived: number;
  bytesSent: number;
  inflight: number;
  queued: number;
  memory: { rss: number; heapUsed: number; heapTotal: number };
  eventLoopDelayMs: { mean: number; p99: number; max: number };
  listeners: Listener[];
  bridges: Bridge[];
  webhooks: WebhookView[];
  /** Null on a single node. */
  cluster: Cluster | null;
}

/** A bridge to another broker, with its counters. */
export interface Bridge {
  name: string;
  url: string;
  connected: boolean;
  queued: number;
  forwardedIn: number;
  forwardedOut: number;
  dropped: number;
  connects: number;
  lastError: string | null;
}

/** A webhook endpoint with its delivery counters. */
export interface WebhookView {
  id: string;
  url: string;
  queued: number;
  sent: number;
  droppedQueueFull: number;
  droppedFailed: number;
  failedAttempts: number;
  pending: number;
}

/** This node's view of its cluster. */
export interface Cluster {
  nodeId: string;
  state: 'starting' | 'connected' | 'degraded' | 'stopped';
  peers: string[];
  forwarded: number;
  received: number;
  dropped: number;
}

/** The `hello` event that opens a stream. */
export interface Hello {
  scope: Scope;
  version: string;
  nodeId: string;
}

/** A `client` event. `client` is the session after the event, null when it ended. */
export interface ClientEvent {
  event: 'connected' | 'disconnected' | 'session-ended';
  id: string;
  client: Client | null;
}
