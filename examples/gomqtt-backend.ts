// The gomqtt "Backend" model expressed in Swiftlet: one hook that authenticates, sets up or resumes sessions, and is
// told of every publish, subscribe, unsubscribe and termination (with gomqtt-style log events), plus a Persistence
// that keeps its records in Maps.
// Run: npx tsx examples/gomqtt-backend.ts   (starts on a free port, runs a short demo, prints the backend's log, stops)
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { Broker, ReasonCode, TcpListener } from 'swiftlet-mqtt';
import type {
  AuthResult,
  ClientInfo,
  ConnectAuth,
  ConnectionMeta,
  DisconnectInfo,
  Hook,
  MessageRecord,
  Packet,
  PersistedState,
  Persistence,
  PublishPacket,
  DeliveryRecord,
  SessionEndReason,
  SessionRecord,
  SubscriptionRecord,
  SubscriptionRequest,
} from 'swiftlet-mqtt';

/** gomqtt's log events, plus the Backend calls they stand for (authenticate, setup, subscribe, ...). */
export type BackendEvent =
  | 'new connection'
  | 'authenticate'
  | 'setup'
  | 'packet received'
  | 'packet sent'
  | 'subscribe'
  | 'unsubscribe'
  | 'message published'
  | 'message forwarded'
  | 'store retained'
  | 'clear retained'
  | 'terminate'
  | 'client disconnected'
  | 'lost connection'
  | 'session ended';

/** One entry of the backend's log. */
export interface BackendLogEntry {
  readonly event: BackendEvent;
  readonly clientId: string;
  readonly detail: string;
}

/** Options of GomqttBackend. */
export interface GomqttBackendOptions {
  /** user → password; undefined lets everyone in (gomqtt's MemoryBackend without credentials). */
  users?: ReadonlyMap<string, string>;
  /** Called for each log entry (gomqtt's Logger callback). Default: none. */
  logger?: (entry: BackendLogEntry) => void;
  /** Also log every packet in and out (noisy). Default false. */
  logPackets?: boolean;
}

/** gomqtt's Backend as one Swiftlet hook: Authenticate, Setup (created/resumed), Subscribe, Unsubscribe, Publish, Terminate, Log. */
export class GomqttBackend implements Hook {
  readonly id = 'gomqtt-backend';
  /** Everything the backend was told, in order. */
  readonly log: BackendLogEntry[] = [];
  readonly #users: ReadonlyMap<string, string> | undefined;
  readonly #logger: ((entry: BackendLogEntry) => void) | undefined;
  readonly #logPackets: boolean;

  constructor(options: GomqttBackendOptions = {}) {
    this.#users = options.users;
    this.#logger = options.logger;
    this.#logPackets = options.logPackets ?? false;
  }

  #emit(event: BackendEvent, clientId: string, detail = ''): void {
    const entry = { event, clientId, detail };
    this.log.push(entry);
    this.#logger?.(entry);
  }

  /** A stream was accepted (gomqtt NewConnection); never refuses. */
  onAccept(meta: ConnectionMeta): undefined {
    this.#emit('new connection', '', `${meta.transport} ${meta.remoteAddress}:${meta.remotePort}`);
    return undefined;
  }

  /** Authenticate(client, user, password) → allow or 0x86. */
  authenticate(_client: ClientInfo, auth: ConnectAuth): AuthResult {
    const ok = this.#users === undefined || (auth.username !== undefined && this.#users.get(auth.username) === auth.password?.toString('utf8'));
    this.#emit('authenticate', auth.clientId, `${auth.username ?? '(anonymous)'} ${ok ? 'allowed' : 'refused'}`);
    return ok ? { decision: 'allow' } : { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD };
  }

  /** Setup: a new session was created. */
  onSessionCreated(client: ClientInfo): void {
    this.#emit('setup', client.id, 'new session');
  }

  /** Setup: a stored session was resumed (its subscriptions and queue come back). */
  onSessionResumed(client: ClientInfo): void {
    this.#emit('setup', client.id, 'resumed session');
  }

  /** PacketReceived (only with logPackets). */
  onPacketRead(client: ClientInfo, packet: Packet): undefined {
    if (this.#logPackets) this.#emit('packet received', client.id, `type ${packet.type}`);
    return undefined;
  }

  /** PacketSent (only with logPackets). */
  onPacketSent(client: ClientInfo, packet: Packet, bytes: number): void {
    if (this.#logPackets) this.#emit('packet sent', client.id, `type ${packet.type}, ${bytes} bytes`);
  }

  /** Subscribe(client, topic), once per granted filter. */
  onSubscribed(client: ClientInfo, subscriptions: SubscriptionRequest[], reasonCodes: number[]): void {
    subscriptions.forEach((s, i) => {
      const code = reasonCodes[i] ?? 0x80;
      if (code < 0x80) this.#emit('subscribe', client.id, `${s.topic} qos ${code}`);
    });
  }

  /** Unsubscribe(client, topic), once per filter. */
  onUnsubscribed(client: ClientInfo, topics: string[]): void {
    for (const topic of topics) this.#emit('unsubscribe', client.id, topic);
  }

  /** Publish(client, msg): MessagePublished. */
  onPublished(client: ClientInfo | null, packet: PublishPacket): void {
    this.#emit('message published', client?.id ?? '(inline)', `${packet.topic} ${packet.payload.toString('utf8')}`);
  }

  /** MessageForwarded: delivered to a subscriber. */
  onMessageDelivered(client: ClientInfo, packet: PublishPacket): void {
    this.#emit('message forwarded', client.id, packet.topic);
  }

  /** StoreRetained. */
  onRetainedStored(packet: PublishPacket): void {
    this.#emit('store retained', '', packet.topic);
  }

  /** ClearRetained. */
  onRetainedCleared(topic: string): void {
    this.#emit('clear retained', '', topic);
  }

  /** Terminate(client), then ClientDisconnected (clean DISCONNECT) or LostConnection. */
  onDisconnected(client: ClientInfo, info: DisconnectInfo): void {
    this.#emit('terminate', client.id, `reason 0x${info.reasonCode.toString(16)}`);
    const clean = info.error === undefined && info.reasonCode === 0 && !info.byServer;
    this.#emit(clean ? 'client disconnected' : 'lost connection', client.id, info.error?.message ?? '');
  }

  /** The session itself is gone (expired, clean start, taken over). */
  onSessionTerminated(clientId: string, reason: SessionEndReason): void {
    this.#emit('session ended', clientId, reason);
  }
}

/** The Maps a MapPersistence writes to; share one between instances to "restart" on the same data. */
export interface MapStore {
  readonly sessions: Map<string, SessionRecord>;
  /** Keyed by client id and filter. */
  readonly subscriptions: Map<string, SubscriptionRecord>;
  readonly retained: Map<string, MessageRecord>;
  /** Keyed by client id and seq. */
  readonly deliveries: Map<string, DeliveryRecord>;
  /** Keyed by client id and packet id. */
  readonly inbound: Map<string, { clientId: string; packetId: number }>;
}

/** A new, empty MapStore. */
export function createMapStore(): MapStore {
  return { sessions: new Map(), subscriptions: new Map(), retained: new Map(), deliveries: new Map(), inbound: new Map() };
}

const SEP = '\u0000';

/**
 * A Persistence that keeps every record in Maps: durable for the life of its store (a restart with the same store
 * restores). Changes are applied when made, so commit() has nothing left to do.
 */
export class MapPersistence implements Persistence {
  readonly durable = true;
  readonly store: MapStore;
  commits = 0;

  constructor(store: MapStore = createMapStore()) {
    this.store = store;
  }

  open(): Promise<PersistedState> {
    const s = this.store;
    return Promise.resolve({
      sessions: [...s.sessions.values()],
      subscriptions: [...s.subscriptions.values()],
      retained: [...s.retained.values()],
      deliveries: [...s.deliveries.values()],
      inboundQoS2: [...s.inbound.values()],
    });
  }
  saveSession(record: SessionRecord): void {
    this.store.sessions.set(record.clientId, record);
  }
  deleteSession(clientId: string): void {
    const s = this.store;
    s.sessions.delete(clientId);
    for (const map of [s.subscriptions, s.deliveries, s.inbound]) {
      for (const key of map.keys()) if (key.startsWith(clientId + SEP)) map.delete(key);
    }
  }
  saveSubscription(record: SubscriptionRecord): void {
    this.store.subscriptions.set(record.clientId + SEP + record.topicFilter, record);
  }
  deleteSubscription(clientId: string, topicFilter: string): void {
    this.store.subscriptions.delete(clientId + SEP + topicFilter);
  }
  saveRetained(record: MessageRecord): void {
    // Payloads may be views of socket buffers; a stored record owns its bytes.
    this.store.retained.set(record.topic, { ...record, payload: Buffer.from(record.payload) });
  }
  deleteRetained(topic: string): void {
    this.store.retained.delete(topic);
  }
  saveDelivery(record: DeliveryRecord): void {
    this.store.deliveries.set(record.clientId + SEP + String(record.seq), { ...record, message: { ...record.message, payload: Buffer.from(record.message.payload) } });
  }
  updateDelivery(clientId: string, seq: number, packetId: number, released: boolean): void {
    const key = clientId + SEP + String(seq);
    const record = this.store.deliveries.get(key);
    if (record !== undefined) this.store.deliveries.set(key, { ...record, packetId, released });
  }
  deleteDelivery(clientId: string, seq: number): void {
    this.store.deliveries.delete(clientId + SEP + String(seq));
  }
  holdInbound(clientId: string, packetId: number): void {
    this.store.inbound.set(clientId + SEP + String(packetId), { clientId, packetId });
  }
  releaseInbound(clientId: string, packetId: number): void {
    this.store.inbound.delete(clientId + SEP + String(packetId));
  }
  commit(): Promise<void> {
    this.commits++;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Starts a broker with a GomqttBackend and a MapPersistence on 127.0.0.1:`port` (0 = any free port). */
export async function startGomqttBroker(
  options: GomqttBackendOptions = {},
  port = 0,
): Promise<{ broker: Broker; backend: GomqttBackend; persistence: MapPersistence; port: number }> {
  const broker = new Broker({ sysInterval: 0 });
  const backend = new GomqttBackend(options);
  const persistence = new MapPersistence();
  broker.setPersistence(persistence);
  await broker.addHook(backend);
  const listener = new TcpListener({ id: 'tcp', host: '127.0.0.1', port });
  await broker.addListener(listener);
  await broker.serve();
  const address = listener.address();
  return { broker, backend, persistence, port: address !== undefined && 'port' in address ? address.port : port };
}

async function demo(): Promise<void> {
  const { broker, port, persistence } = await startGomqttBroker({
    users: new Map([['demo', 'demo']]),
    logger: (e) => console.log(`B [${e.event}]${e.clientId === '' ? '' : ` ${e.clientId}`} ${e.detail}`.trimEnd()),
  });
  const c = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'demo', password: 'demo', clientId: 'c1', protocolVersion: 4 });
  const received = new Promise<void>((resolve) => c.once('message', (topic, payload) => resolve(console.log(`C [message] ${topic} ${payload.toString()}`))));
  await c.subscribeAsync('test', { qos: 0 });
  await c.publishAsync('test', 'test', { qos: 0 });
  await received;
  await c.unsubscribeAsync('test');
  await c.endAsync();
  await new Promise((r) => setTimeout(r, 50));
  console.log(`stored subscriptions while subscribed were kept in a Map (now ${persistence.store.subscriptions.size})`);
  await broker.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await demo();
