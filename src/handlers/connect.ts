// CONNECT, as named steps: check the packet → onConnect hooks → authenticate → take over → open and attach the
// session → CONNACK → resume delivery.
import { randomBytes } from 'node:crypto';
import { ReasonCode, reasonCodeName, toConnectReturnCode } from '../codec/reason-codes.js';
import { EMPTY_PROPERTIES, PacketType } from '../codec/types.js';
import type { ConnackPacket, ConnectPacket, Properties } from '../codec/types.js';
import { encodedLength } from '../codec/encode.js';
import { isWellFormedUtf8 } from '../codec/utf8.js';
import { HookRejection } from '../hooks/hook.js';
import type { AuthResult, ClientInfo, ClientLimits, EnhancedAuthResult } from '../hooks/hook.js';
import { checkClientLimits } from '../hooks/client-limits.js';
import { PublishRate } from '../connection/publish-rate.js';
import { exceedsTopicLevels } from '../topics/validate.js';
import { ConnectionState } from '../connection/connection.js';
import type { Connection, HandlerResult } from '../connection/connection.js';
import { andThen, isPromise } from '../hooks/maybe-async.js';
import type { MaybePromise } from '../hooks/maybe-async.js';
import { TopicAliasesOut } from '../session/topic-aliases-out.js';
import type { Session } from '../session/session.js';
import { BRIDGE_CLIENT_PREFIX, BRIDGE_NODE_PROPERTY } from '../bridge/names.js';

/** The CONNECT being handled on a connection, for the refusal log line (a refusal can come after async auth steps). */
const connecting = new WeakMap<Connection, ConnectPacket>();

/** Refuses a CONNECT: CONNACK with the reason (5.0) or the nearest 3.x return code, then close [MQTT-3.2.2-4] [MQTT-3.2.2-6]. */
export function refuseConnect(conn: Connection, reasonCode: number, properties: Properties = EMPTY_PROPERTIES): void {
  const ctx = conn.ctx;
  const packet = connecting.get(conn);
  ctx.logger.warn(
    {
      clientId: packet?.clientId ?? null,
      username: packet?.username ?? null,
      address: conn.meta.remoteAddress.includes(':') ? `[${conn.meta.remoteAddress}]:${conn.meta.remotePort}` : `${conn.meta.remoteAddress}:${conn.meta.remotePort}`,
      listener: conn.meta.listenerId,
      protocolVersion: conn.version,
      reasonCode: `0x${reasonCode.toString(16).padStart(2, '0')}`,
      reason: reasonCodeName(reasonCode, PacketType.CONNACK) ?? 'unknown',
    },
    'client refused',
  );
  let code = reasonCode;
  if (code === ReasonCode.NOT_AUTHORIZED && conn.ctx.compatibilities.obscureNotAuthorized) code = ReasonCode.UNSPECIFIED_ERROR;
  let connack: ConnackPacket | undefined =
    conn.version === 5
      ? { type: PacketType.CONNACK, sessionPresent: false, reasonCode: code, properties }
      : { type: PacketType.CONNACK, sessionPresent: false, reasonCode: toConnectReturnCode(code), properties: EMPTY_PROPERTIES };
  // [MQTT-3.2.2-19] [MQTT-3.2.2-20] Reason String and User Properties are left out when they would make the CONNACK
  // larger than the client's Maximum Packet Size; a CONNACK that is too large even so is not sent [MQTT-3.1.2-24].
  if (!fitsClient(conn, connack) && (properties.reasonString !== undefined || properties.userProperties !== undefined)) {
    const { reasonString: _r, userProperties: _u, ...rest } = properties;
    connack = { ...connack, properties: rest };
  }
  if (!fitsClient(conn, connack)) connack = undefined;
  // [MQTT-3.2.2-5] close the connection after a non-zero CONNACK.
  conn.refuse(code, connack);
}

/** True when `connack` is within the Maximum Packet Size the 5.0 client sent in CONNECT (0: no limit, and 3.x). */
function fitsClient(conn: Connection, connack: ConnackPacket): boolean {
  return conn.clientMaximumPacketSize === 0 || encodedLength(connack, conn.version) <= conn.clientMaximumPacketSize;
}

/** Handles the first packet of a connection. */
export function handleConnect(conn: Connection, packet: ConnectPacket): HandlerResult {
  const ctx = conn.ctx;
  const caps = ctx.capabilities;
  const v = packet.protocolVersion;
  conn.version = v;
  conn.parser.setProtocolVersion(v);
  conn.state = ConnectionState.CONNECTING;
  // Known before any CONNACK is built: no packet to the client may exceed it [MQTT-3.1.2-24].
  if (v === 5) conn.clientMaximumPacketSize = packet.properties.maximumPacketSize ?? 0;
  connecting.set(conn, packet);

  if (v < caps.minimumProtocolVersion) return refuseConnect(conn, ReasonCode.UNSUPPORTED_PROTOCOL_VERSION); // [MQTT-3.1.2-2]
  const limits = ctx.stats.limitsReached;
  if (caps.maximumClients > 0 && ctx.stats.clientsConnected >= caps.maximumClients) {
    limits.maximumClients++;
    return refuseConnect(conn, ReasonCode.SERVER_BUSY);
  }
  // Process memory above memoryHighWaterMark (sampled by the sweep): refuse new clients before memory runs out.
  // 0x89 Server busy; a 3.x client gets return code 3 Server unavailable.
  if (ctx.stats.memoryHigh) {
    limits.memoryHighWaterMark++;
    return refuseConnect(conn, ReasonCode.SERVER_BUSY);
  }

  // Client identifier [MQTT-3.1.3-6] [MQTT-3.1.3-7] [MQTT-3.1.3-8].
  let clientId = packet.clientId;
  let assigned = false;
  if (clientId.length === 0) {
    if (v === 5 || (v === 4 && packet.clean)) {
      clientId = `swiftlet-${randomBytes(8).toString('hex')}`;
      assigned = true;
    } else {
      return refuseConnect(conn, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    }
  }
  // 0x85 Client Identifier not valid: "the Client Identifier is a valid string but is not allowed by the Server" [MQTT-3.1.3-8].
  if (clientId.length > caps.maximumClientIdLength) {
    limits.maximumClientIdLength++;
    return refuseConnect(conn, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
  }
  // `$bridge/...` names the local sessions of bridges: no network client may take one over.
  if (!conn.trusted && clientId.startsWith(BRIDGE_CLIENT_PREFIX)) return refuseConnect(conn, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);

  // Keep alive and its maximum: 5.0 clients are told (Server Keep Alive), 3.x clients asking more are refused.
  let keepAlive = packet.keepAlive;
  let serverKeepAlive: number | undefined;
  if (caps.maximumKeepAlive > 0 && (keepAlive === 0 || keepAlive > caps.maximumKeepAlive)) {
    if (v === 5) {
      keepAlive = caps.maximumKeepAlive;
      serverKeepAlive = keepAlive; // [MQTT-3.2.2-21]
    } else {
      return refuseConnect(conn, ReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
    }
  }

  const props = packet.properties;
  const will = packet.will;
  if (will !== undefined) {
    // [MQTT-3.2.2-12] [MQTT-3.2.2-13] a will the server cannot honour is refused.
    if (will.qos > caps.maximumQoS) return refuseConnect(conn, ReasonCode.QOS_NOT_SUPPORTED);
    if (will.retain && !caps.retainAvailable) return refuseConnect(conn, ReasonCode.RETAIN_NOT_SUPPORTED);
    if (v === 5 && will.properties.payloadFormatIndicator === 1 && !isWellFormedUtf8(will.payload)) {
      return refuseConnect(conn, ReasonCode.PAYLOAD_FORMAT_INVALID);
    }
    // A will topic this server does not accept: 0x90 Topic Name invalid (Table 2-6).
    if (will.topic.length > caps.maximumTopicLength) {
      limits.maximumTopicLength++;
      return refuseConnect(conn, ReasonCode.TOPIC_NAME_INVALID);
    }
    if (caps.maximumTopicLevels !== 0 && exceedsTopicLevels(will.topic, caps.maximumTopicLevels)) {
      limits.maximumTopicLevels++;
      return refuseConnect(conn, ReasonCode.TOPIC_NAME_INVALID);
    }
  }
  // The CONNECT's User Properties and its will's, past maximumUserProperties: 0x97 Quota exceeded.
  if (caps.maximumUserProperties !== 0) {
    const count = (packet.properties.userProperties?.length ?? 0) + (will?.properties.userProperties?.length ?? 0);
    if (count > caps.maximumUserProperties) {
      limits.maximumUserProperties++;
      return refuseConnect(conn, ReasonCode.QUOTA_EXCEEDED);
    }
  }
  if (v === 5) {
    conn.clientReceiveMaximum = props.receiveMaximum ?? 65535;
    conn.clientTopicAliasMaximum = props.topicAliasMaximum ?? 0;
    conn.problemInformation = props.requestProblemInformation !== 0;
  }

  const client: ClientInfo = {
    id: clientId,
    username: packet.username,
    protocolVersion: v,
    remoteAddress: conn.meta.remoteAddress,
    remotePort: conn.meta.remotePort,
    listenerId: conn.meta.listenerId,
    transport: conn.meta.transport,
    certificate: conn.meta.certificate,
    connectedAt: ctx.clock(),
    keepAlive,
    clean: packet.clean,
    inline: conn.trusted,
  };
  const pending: PendingConnect = { conn, packet, client, assigned, serverKeepAlive, authData: undefined, limits: undefined };

  let next: MaybePromise<ConnectPacket> = packet;
  if (ctx.hooks.onConnect !== null) next = ctx.hooks.runOnConnect(client, packet);
  return settle(
    conn,
    andThen(next, (p) => {
      pending.packet = p;
      return authenticate(pending);
    }),
  );
}

/** State carried through the (possibly async) steps of one CONNECT. */
export interface PendingConnect {
  conn: Connection;
  packet: ConnectPacket;
  client: ClientInfo;
  assigned: boolean;
  serverKeepAlive: number | undefined;
  /** Authentication Data for the CONNACK of an enhanced authentication. */
  authData: Buffer | undefined;
  /** Limits the authenticating hook set for this client alone. */
  limits: ClientLimits | undefined;
}

/** Runs a connect step; turns hook rejections and errors into a refusing CONNACK. */
function settle(conn: Connection, result: MaybePromise<void>): HandlerResult {
  if (isPromise(result)) {
    return result.catch((err: unknown) => refuseWithError(conn, err));
  }
  return undefined;
}

function refuseWithError(conn: Connection, err: unknown): void {
  if (conn.state >= ConnectionState.CLOSING) return;
  if (err instanceof HookRejection) {
    const props: Properties = err.serverReference !== undefined ? { serverReference: err.serverReference } : EMPTY_PROPERTIES;
    refuseConnect(conn, err.reasonCode, props);
    return;
  }
  conn.ctx.logger.error({ err }, 'connect failed');
  refuseConnect(conn, ReasonCode.UNSPECIFIED_ERROR);
}

function authenticate(pending: PendingConnect): MaybePromise<void> {
  const { conn, packet } = pending;
  const ctx = conn.ctx;
  const method = packet.properties.authenticationMethod;
  if (conn.version === 5 && method !== undefined) {
    conn.authMethod = method;
    conn.authState.clear();
    conn.pendingConnect = pending;
    if (ctx.hooks.enhancedAuth === null) {
      refuseConnect(conn, ReasonCode.BAD_AUTHENTICATION_METHOD); // [MQTT-4.12.0-1]
      return;
    }
    const step = { method, data: packet.properties.authenticationData, reauthenticate: false, state: conn.authState };
    return andThen(ctx.hooks.runEnhancedAuth(pending.client, step), (r) => continueEnhancedAuth(pending, r));
  }
  if (ctx.hooks.authenticate === null || conn.trusted) return establish(pending);
  const auth = {
    clientId: pending.client.id,
    username: packet.username,
    password: packet.password,
    authenticationMethod: undefined,
    authenticationData: undefined,
    meta: conn.meta,
  };
  return andThen(ctx.hooks.runAuthenticate(pending.client, auth), (result) => afterAuthenticate(pending, result));
}

function afterAuthenticate(pending: PendingConnect, result: AuthResult): MaybePromise<void> {
  if (result.decision !== 'allow') {
    const props: Properties = {};
    if (result.serverReference !== undefined) props.serverReference = result.serverReference;
    if (result.reasonString !== undefined && pending.conn.problemInformation) props.reasonString = result.reasonString;
    refuseConnect(pending.conn, result.reasonCode ?? ReasonCode.BAD_USER_NAME_OR_PASSWORD, props);
    return;
  }
  if (result.username !== undefined) pending.client = { ...pending.client, username: result.username };
  if (result.limits !== undefined && !takeLimits(pending, result.limits)) return;
  return establish(pending);
}

/**
 * Keeps the limits an authenticating hook returned for this client. A malformed set (a hook bug) must not hand out
 * unlimited resources: it is logged and the client refused with 0x80 Unspecified error.
 */
function takeLimits(pending: PendingConnect, raw: ClientLimits): boolean {
  const checked = checkClientLimits(raw, 'limits');
  if ('error' in checked) {
    pending.conn.ctx.logger.error({ clientId: pending.client.id, err: `${checked.error.path}: ${checked.error.message}` }, 'authenticate returned invalid limits');
    refuseConnect(pending.conn, ReasonCode.UNSPECIFIED_ERROR);
    return false;
  }
  pending.limits = checked.limits;
  pending.client = { ...pending.client, limits: checked.limits };
  return true;
}

/** Acts on one step of enhanced authentication during CONNECT (also called from the AUTH handler). */
export function continueEnhancedAuth(pending: PendingConnect, result: EnhancedAuthResult): MaybePromise<void> {
  const conn = pending.conn;
  if (conn.state >= ConnectionState.CLOSING) return;
  if (result === 'defer') {
    refuseConnect(conn, ReasonCode.BAD_AUTHENTICATION_METHOD);
    return;
  }
  switch (result.decision) {
    case 'continue': {
      const properties: Properties = { authenticationMethod: conn.authMethod! };
      if (result.data !== undefined) properties.authenticationData = result.data;
      conn.send({ type: PacketType.AUTH, reasonCode: ReasonCode.CONTINUE_AUTHENTICATION, properties });
      return;
    }
    case 'deny': {
      const props: Properties = {};
      if (result.reasonString !== undefined && conn.problemInformation) props.reasonString = result.reasonString;
      refuseConnect(conn, result.reasonCode ?? ReasonCode.NOT_AUTHORIZED, props);
      return;
    }
    case 'allow':
      if (result.username !== undefined) pending.client = { ...pending.client, username: result.username };
      if (result.limits !== undefined && !takeLimits(pending, result.limits)) return;
      pending.authData = result.data;
      return establish(pending);
  }
}

/**
 * The client is authenticated: take over a connection with the same id, open (or resume) the session, attach,
 * acknowledge with CONNACK, then resume delivery.
 */
function establish(pending: PendingConnect): MaybePromise<void> {
  const { conn, packet } = pending;
  const client = pending.client;
  const ctx = conn.ctx;
  if (conn.state >= ConnectionState.CLOSING) return;
  conn.pendingConnect = null;
  // The client's own limits apply from here (the CONNACK advertises its Receive Maximum).
  applyLimits(conn, pending.limits);
  const expiry = sessionExpiry(conn, packet);
  // A session that must outlive the connection cannot be kept while storage is failing: 0x88 Server unavailable.
  if (expiry.interval > 0 && ctx.journal.enabled && !ctx.journal.available) {
    refuseConnect(conn, ReasonCode.SERVER_UNAVAILABLE);
    return;
  }
  // The CONNACK is built before anything changes: one larger than the client's Maximum Packet Size cannot be sent
  // [MQTT-3.1.2-24], and then the connection closes without one, leaving any existing session and its connection as
  // they were. (Session Present is one bit and does not change the size.)
  const connack: ConnackPacket = { type: PacketType.CONNACK, sessionPresent: false, reasonCode: ReasonCode.SUCCESS, properties: connackProperties(pending, expiry.granted) };
  if (!fitsClient(conn, connack)) {
    ctx.logger.debug({ client: client.id, maximumPacketSize: conn.clientMaximumPacketSize }, 'CONNACK larger than the client Maximum Packet Size');
    conn.refuse(ReasonCode.PACKET_TOO_LARGE);
    return;
  }
  // In a cluster the session is claimed first: taken over from the node that holds it (whose connection gets
  // DISCONNECT 0x8E before this CONNACK goes) and loaded here [MQTT-3.1.4-3]. The broker's own in-process
  // connections (bridges) keep node-local sessions.
  const cluster = ctx.cluster;
  if (cluster !== null && !conn.trusted) {
    return cluster.acquire(client.id, expiry.interval > 0).then((owned) => {
      if (conn.state >= ConnectionState.CLOSING) return;
      if (!owned) {
        refuseConnect(conn, ReasonCode.SERVER_UNAVAILABLE);
        return;
      }
      attachSession(pending, connack, expiry.interval);
    });
  }
  attachSession(pending, connack, expiry.interval);
}

/** Takes over a local connection with the same id, opens (or resumes) the session, attaches, sends CONNACK, resumes delivery. */
function attachSession(pending: PendingConnect, connack: ConnackPacket, expiryInterval: number): void {
  const { conn, packet, client } = pending;
  const ctx = conn.ctx;
  const registry = ctx.registry;
  registry.takeOver(client.id, conn);
  const { session, present } = registry.open(client.id, conn.version, packet.clean);
  configureSession(conn, session, pending, expiryInterval);
  // The session keeps the limits of its latest connection, also while offline (queue bounds).
  session.limits = conn.limits;
  if (conn.clientTopicAliasMaximum > 0) conn.outboundAliases = new TopicAliasesOut(conn.clientTopicAliasMaximum);
  conn.client = client;
  conn.session = session;
  conn.keepAliveMs = client.keepAlive * 1000;
  conn.state = ConnectionState.CONNECTED;
  // Accepted: no refusal can follow, so the CONNECT need not stay alive with the connection (bytes per idle client).
  connecting.delete(conn);
  registry.attach(conn, session, client.id);
  // A 3.1 CONNACK has no Session Present: its encoding leaves that byte 0.
  connack.sessionPresent = present;
  conn.send(connack);
  // The CONNACK of a stored session (and what follows it) leaves once the session record is committed.
  if (ctx.store.saveSession(session)) conn.holdForCommit();
  resume(conn, session, client, present);
}

/** Puts a client's own limits on its connection: the in-flight window and Receive Maximum, its publish rate. */
function applyLimits(conn: Connection, limits: ClientLimits | undefined): void {
  if (limits === undefined || Object.keys(limits).length === 0) return;
  conn.limits = limits;
  const perSecond = limits.publishPerSecond ?? 0;
  const bytesPerSecond = limits.publishBytesPerSecond ?? 0;
  if (perSecond !== 0 || bytesPerSecond !== 0) conn.publishRate = new PublishRate(perSecond, bytesPerSecond, conn.ctx.clock());
}

/**
 * The Session Expiry Interval to keep, in seconds: 5.0 from the property, capped (`granted` is the capped value the
 * CONNACK returns); 3.x with Clean Session 1 ends with the connection, otherwise the maximum.
 */
function sessionExpiry(conn: Connection, packet: ConnectPacket): { interval: number; granted: number | undefined } {
  const caps = conn.ctx.capabilities;
  if (conn.version !== 5) return { interval: packet.clean ? 0 : caps.maximumSessionExpiryInterval, granted: undefined };
  const asked = packet.properties.sessionExpiryInterval ?? 0;
  if (asked > caps.maximumSessionExpiryInterval) return { interval: caps.maximumSessionExpiryInterval, granted: caps.maximumSessionExpiryInterval };
  return { interval: asked, granted: undefined };
}

/** Session expiry, last client and will from the CONNECT. */
function configureSession(conn: Connection, session: Session, pending: PendingConnect, expiryInterval: number): void {
  const { packet, client } = pending;
  const v = conn.version;
  session.protocolVersion = v;
  session.expiryInterval = expiryInterval;
  session.lastClient = client;
  if (packet.will !== undefined) {
    session.will = { will: packet.will, delay: v === 5 ? (packet.will.properties.willDelayInterval ?? 0) : 0 };
  }
}

/** The CONNACK's properties [MQTT-3.2.0-1]: what the server grants and limits (5.0 only). */
function connackProperties(pending: PendingConnect, grantedExpiry: number | undefined): Properties {
  const { conn, packet, assigned } = pending;
  if (conn.version !== 5) return EMPTY_PROPERTIES;
  const ctx = conn.ctx;
  const caps = ctx.capabilities;
  const clientId = pending.client.id;
  const properties: Properties = {};
  if (assigned) properties.assignedClientIdentifier = clientId; // [MQTT-3.2.2-16]
  if (grantedExpiry !== undefined) properties.sessionExpiryInterval = grantedExpiry;
  const receiveMaximum = conn.receiveMaximum;
  if (receiveMaximum !== 65535) properties.receiveMaximum = receiveMaximum;
  if (caps.maximumQoS !== 2) properties.maximumQoS = caps.maximumQoS;
  if (!caps.retainAvailable) properties.retainAvailable = 0;
  if (caps.maximumPacketSize !== 0) properties.maximumPacketSize = caps.maximumPacketSize;
  if (caps.topicAliasMaximum !== 0) properties.topicAliasMaximum = caps.topicAliasMaximum;
  if (!caps.wildcardSubscriptionAvailable) properties.wildcardSubscriptionAvailable = 0;
  if (!caps.subscriptionIdentifierAvailable) properties.subscriptionIdentifiersAvailable = 0;
  if (!caps.sharedSubscriptionAvailable) properties.sharedSubscriptionAvailable = 0;
  if (pending.serverKeepAlive !== undefined) properties.serverKeepAlive = pending.serverKeepAlive;
  const wantsResponseInfo = packet.properties.requestResponseInformation === 1 || ctx.compatibilities.alwaysReturnResponseInfo;
  if (wantsResponseInfo && ctx.responseInformationPrefix !== '') {
    properties.responseInformation = `${ctx.responseInformationPrefix}${clientId}`;
  }
  // A Swiftlet bridge asks for the node id, to recognise messages that were already routed here.
  if (packet.properties.userProperties?.some(([k]) => k === BRIDGE_NODE_PROPERTY) === true) properties.userProperties = [[BRIDGE_NODE_PROPERTY, ctx.id]];
  if (conn.authMethod !== undefined) {
    properties.authenticationMethod = conn.authMethod;
    if (pending.authData !== undefined) properties.authenticationData = pending.authData;
  }
  return properties;
}

/** After CONNACK: hooks, then what the session owes the client — unacknowledged messages resent, the queue sent. */
function resume(conn: Connection, session: Session, client: ClientInfo, present: boolean): void {
  const ctx = conn.ctx;
  const hooks = ctx.hooks;
  if (present) {
    if (hooks.onSessionResumed !== null) hooks.notify('onSessionResumed', client);
    ctx.delivery.resend(session);
  } else if (hooks.onSessionCreated !== null) {
    hooks.notify('onSessionCreated', client);
  }
  if (hooks.onConnected !== null) hooks.notify('onConnected', client);
  ctx.delivery.pump(session);
}

/** For the AUTH handler: rejection helper shared with CONNECT. */
export function failPendingConnect(conn: Connection, err: unknown): void {
  refuseWithError(conn, err);
}
