// The broker's HTTP side on node:http: health and readiness probes, Prometheus metrics, the management API, the dashboard.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Broker } from '../broker.js';
import { ApiError } from './api-error.js';
import { EventStreamHub } from './dashboard/event-stream.js';
import { isDashboardPath, serveDashboard } from './dashboard/serve-dashboard.js';
import { handleApiRequest } from './management-api.js';
import { createBrokerMetrics } from './metrics.js';
import type { BrokerMetrics } from './metrics.js';
import { BodyTooLargeError, readBody } from './request-body.js';
import { createScopeCheck, isReadMethod } from './token-scope.js';
import type { TokenScope } from './token-scope.js';

/** Options of an HttpServer. */
export interface HttpServerOptions {
  /** Address to bind. Default `127.0.0.1` (local only). */
  host?: string;
  /** Port to bind; 0 picks a free one (read it back with `address()`). */
  port: number;
  /** Bearer token required by `/api/v1/...`. Without it the API is disabled and answers 404. */
  token?: string;
  /** A second bearer token that may only read (GET and HEAD); anything else answers 403. At least `token` or this enables the API. */
  readOnlyToken?: string;
  /** Serve the web dashboard at `/` (its data still needs a token). Default true when the API is on. */
  dashboard?: boolean;
  /** Serve `GET /metrics`. Default true. */
  metrics?: boolean;
  /** Serve the management API (still needs `token`). Default true. */
  api?: boolean;
  /** Largest request body accepted, bytes; larger ones get 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Where handler failures are logged. Default: console.error. */
  logger?: { error(obj: object, msg?: string): void };
}

const DEFAULT_MAX_BODY = 1024 * 1024;
const API_PREFIX = '/api/v1/';

/** Serves `/healthz`, `/readyz`, `/metrics` and `/api/v1/...` for one broker. */
export class HttpServer {
  readonly #broker: Broker;
  readonly #host: string;
  readonly #port: number;
  readonly #apiEnabled: boolean;
  readonly #metricsEnabled: boolean;
  readonly #maxBody: number;
  readonly #dashboardEnabled: boolean;
  readonly #checkToken: ((header: string | undefined) => TokenScope | undefined) | undefined;
  readonly #logger: { error(obj: object, msg?: string): void };
  #server: Server | undefined;
  #metrics: BrokerMetrics | undefined;
  #events: EventStreamHub | undefined;

  constructor(broker: Broker, options: HttpServerOptions) {
    this.#broker = broker;
    this.#host = options.host ?? '127.0.0.1';
    this.#port = options.port;
    this.#metricsEnabled = options.metrics ?? true;
    const hasToken = (options.token ?? '') !== '' || (options.readOnlyToken ?? '') !== '';
    this.#apiEnabled = (options.api ?? true) && hasToken;
    this.#checkToken = this.#apiEnabled ? createScopeCheck(options.token, options.readOnlyToken) : undefined;
    this.#dashboardEnabled = this.#apiEnabled && (options.dashboard ?? true);
    this.#maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.#logger = options.logger ?? { error: (obj, msg) => console.error(msg ?? 'http error', obj) };
  }

  /** Binds the HTTP port; resolves once listening. */
  async listen(): Promise<void> {
    if (this.#server !== undefined) throw new Error('HttpServer is already listening');
    if (this.#metricsEnabled) this.#metrics = createBrokerMetrics(this.#broker);
    if (this.#apiEnabled) this.#events = new EventStreamHub(this.#broker);
    const server = createServer((req, res) => this.#onRequest(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      this.#server = undefined;
      this.#metrics?.stop();
      this.#metrics = undefined;
      this.#events = undefined;
      throw err;
    });
  }

  /** Stops listening, closes every open HTTP connection (keep-alive included) and releases the metrics monitor. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    this.#metrics?.stop();
    this.#metrics = undefined;
    const events = this.#events;
    this.#events = undefined;
    await events?.close();
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** The bound host and port, or undefined when not listening. */
  address(): { host: string; port: number } | undefined {
    const a = this.#server?.address();
    if (a === undefined || a === null || typeof a === 'string') return undefined;
    return { host: a.address, port: a.port };
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    this.#route(req, res).catch((err: unknown) => this.#fail(req, res, err));
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/healthz') {
      onlyGet(method);
      return sendJson(res, 200, { status: 'ok' });
    }
    if (path === '/readyz') {
      onlyGet(method);
      const cluster = this.#broker.cluster;
      // A node cut off from the cluster's Redis still serves its own clients, but a load balancer should prefer others.
      const degraded = cluster !== undefined && cluster.state !== 'connected';
      const ready = this.#broker.ready && !degraded;
      const body: Record<string, unknown> = { status: ready ? 'ready' : degraded ? 'degraded' : 'not ready' };
      if (cluster !== undefined) body.cluster = { nodeId: cluster.nodeId, state: cluster.state, peers: cluster.peers };
      return sendJson(res, ready ? 200 : 503, body);
    }
    if (path === '/metrics' && this.#metrics !== undefined) {
      onlyGet(method);
      const registry = this.#metrics.registry;
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(method === 'HEAD' ? undefined : text);
      return;
    }
    if (this.#checkToken !== undefined && (path.startsWith(API_PREFIX) || path === '/api/v1')) {
      // Authenticate before routing so an unauthenticated caller learns nothing about routes or ids.
      const scope = this.#checkToken(req.headers.authorization);
      if (scope === undefined) throw new ApiError(401, 'missing or wrong bearer token', { 'www-authenticate': 'Bearer' });
      // The read-only scope is enforced here, for every route, not left to the dashboard's buttons.
      if (scope === 'read-only' && !isReadMethod(method)) throw new ApiError(403, 'the read-only token may only read (GET)');
      const segments = path.slice(API_PREFIX.length).split('/');
      if (segments.at(-1) === '') segments.pop();
      if (segments.length === 1 && segments[0] === 'token') {
        onlyGet(method);
        return sendJson(res, 200, { scope });
      }
      if (segments.length === 1 && segments[0] === 'events' && this.#events !== undefined) {
        onlyGet(method);
        return method === 'HEAD' ? sendHead(res, 'text/event-stream; charset=utf-8') : this.#events.open(res, scope);
      }
      const maxBody = this.#maxBody;
      const answer = await handleApiRequest(this.#broker, {
        method,
        segments,
        query: url.searchParams,
        async readJson() {
          const body = await readBody(req, maxBody);
          try {
            return JSON.parse(body.toString('utf8')) as unknown;
          } catch {
            throw new ApiError(400, 'body is not valid JSON');
          }
        },
      });
      return sendJson(res, answer.status, answer.body);
    }
    if (this.#dashboardEnabled && isDashboardPath(path)) {
      onlyGet(method);
      return serveDashboard(req, res, path);
    }
    throw new ApiError(404, 'not found');
  }

  #fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let status = 500;
    let message = 'internal error';
    let headers: Readonly<Record<string, string>> = {};
    if (err instanceof ApiError) {
      status = err.status;
      message = err.message;
      headers = err.headers;
    } else if (err instanceof BodyTooLargeError) {
      status = 413;
      message = err.message;
      // The rest of the body is not wanted: close the connection after the answer.
      headers = { connection: 'close' };
    } else {
      this.#logger.error({ err, method: req.method, url: req.url }, 'http handler failed');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendJson(res, status, { error: message }, headers);
  }
}

function onlyGet(method: string): void {
  if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, `method ${method} not allowed`, { allow: 'GET, HEAD' });
}

function sendHead(res: ServerResponse, contentType: string): void {
  res.writeHead(200, { 'content-type': contentType });
  res.end();
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
