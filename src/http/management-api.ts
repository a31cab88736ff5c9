// The management REST API (/api/v1/...): routes, JSON in and out, errors as ApiError.
import type { Broker } from '../broker.js';
import { SwiftletError } from '../errors.js';
import { isValidTopicFilter } from '../topics/validate.js';
import { VERSION } from '../version.js';
import { ApiError } from './api-error.js';
import { clientJson, listenerJson, retainedJson } from './api-json.js';
import { countsByPacketType } from './packet-type-names.js';
import { paginate, parsePageRequest } from './pagination.js';
import { validatePublishRequest } from './publish-request.js';

/** One API request, already authenticated. `readJson` reads and parses the body (400 / 413 on bad input). */
export interface ApiRequest {
  readonly method: string;
  /** Path segments after `/api/v1/`, still URL-encoded. */
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readJson(): Promise<unknown>;
}

/** A JSON answer. */
export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

/** Answers one API request; throws ApiError for 4xx outcomes. */
export async function handleApiRequest(broker: Broker, req: ApiRequest): Promise<ApiResponse> {
  const [resource, ...rest] = req.segments;
  switch (resource) {
    case 'clients':
      return handleClients(broker, req, rest);
    case 'subscriptions':
      allow(req, 'GET');
      if (rest.length > 0) break;
      return ok(paginate(broker.subscriptions(), parsePageRequest(req.query)));
    case 'retained':
      return handleRetained(broker, req, rest);
    case 'publish': {
      allow(req, 'POST');
      if (rest.length > 0) break;
      const p = validatePublishRequest(await req.readJson());
      try {
        const delivered = broker.publish(p.topic, p.payload, { qos: p.qos, retain: p.retain, properties: p.properties });
        return ok({ delivered });
      } catch (err) {
        if (err instanceof SwiftletError) throw new ApiError(400, err.message);
        throw err;
      }
    }
    case 'info':
      allow(req, 'GET');
      if (rest.length > 0) break;
      return ok({
        version: VERSION,
        nodeId: broker.id,
        uptime: broker.stats.uptime ?? 0,
        ready: broker.ready,
        capabilities: broker.capabilities,
        listeners: broker.listenerInfo().map(listenerJson),
      });
    case 'bridges': {
      allow(req, 'GET');
      const bridges = broker.bridges();
      if (rest.length === 0) return ok(bridges);
      const name = rest.length === 1 ? decode(rest[0]!) : undefined;
      const found = bridges.find((b) => b.name === name);
      if (found === undefined) throw new ApiError(404, name === undefined ? 'no such route' : `no bridge ${JSON.stringify(name)}`);
      return ok(found);
    }
    case 'stats':
      allow(req, 'GET');
      if (rest.length > 0) break;
      return ok(statsJson(broker));
    case undefined:
    default:
      break;
  }
  throw new ApiError(404, 'no such route');
}

function handleClients(broker: Broker, req: ApiRequest, rest: readonly string[]): ApiResponse {
  if (rest.length === 0) {
    allow(req, 'GET');
    return ok(paginate(broker.clients().map(clientJson), parsePageRequest(req.query)));
  }
  const id = decode(rest[0]!);
  if (rest.length === 1) {
    allow(req, 'GET', 'DELETE');
    if (req.method === 'DELETE') return disconnect(broker, id);
    const client = broker.client(id);
    if (client === undefined) throw new ApiError(404, `no client ${JSON.stringify(id)}`);
    return ok(clientJson(client));
  }
  if (rest.length === 2 && rest[1] === 'disconnect') {
    allow(req, 'POST');
    return disconnect(broker, id);
  }
  throw new ApiError(404, 'no such route');
}

function disconnect(broker: Broker, id: string): ApiResponse {
  if (broker.client(id) === undefined) throw new ApiError(404, `no client ${JSON.stringify(id)}`);
  // A known but offline session answers 409: there is no connection to close.
  if (!broker.disconnectClient(id)) throw new ApiError(409, `client ${JSON.stringify(id)} is not connected`);
  return ok({ disconnected: id });
}

function handleRetained(broker: Broker, req: ApiRequest, rest: readonly string[]): ApiResponse {
  if (rest.length === 0) {
    allow(req, 'GET');
    const filter = req.query.get('filter') ?? '#';
    if (!isValidTopicFilter(filter)) throw new ApiError(400, `invalid topic filter ${JSON.stringify(filter)}`);
    const all = broker.retained(filter).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
    return ok(paginate(all.map((m) => retainedJson(m)), parsePageRequest(req.query)));
  }
  // The topic is URL-encoded (`a%2Fb`); unencoded slashes are accepted too, so `retained/a/b` is topic `a/b`.
  const topic = decode(rest.join('/'));
  allow(req, 'GET', 'DELETE');
  if (req.method === 'DELETE') {
    if (!broker.deleteRetained(topic)) throw new ApiError(404, `no retained message on ${JSON.stringify(topic)}`);
    return ok({ deleted: topic });
  }
  const m = broker.retainedMessage(topic);
  if (m === undefined) throw new ApiError(404, `no retained message on ${JSON.stringify(topic)}`);
  return ok(retainedJson(m));
}

/** The broker counters as one JSON object (the equivalent of Mochi's HTTP stats). */
export function statsJson(broker: Broker): Record<string, unknown> {
  const d = broker.detailedStats();
  const refused: Record<string, number> = {};
  d.connectionsRefusedByReason.forEach((v, code) => {
    if (v > 0) refused[`0x${code.toString(16).padStart(2, '0')}`] = v;
  });
  return {
    ...broker.stats,
    ...broker.queueDepths(),
    packetsReceivedByType: countsByPacketType(d.packetsReceivedByType),
    packetsSentByType: countsByPacketType(d.packetsSentByType),
    publishReceivedByQoS: d.publishReceivedByQoS,
    publishSentByQoS: d.publishSentByQoS,
    connectionsRefusedByReason: refused,
    droppedByReason: d.droppedByReason,
    limitsReached: d.limitsReached,
  };
}

function allow(req: ApiRequest, ...methods: string[]): void {
  if (!methods.includes(req.method)) throw new ApiError(405, `method ${req.method} not allowed`, { allow: methods.join(', ') });
}

function decode(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError(400, 'bad URL encoding in path');
  }
}

function ok(body: unknown): ApiResponse {
  return { status: 200, body };
}
