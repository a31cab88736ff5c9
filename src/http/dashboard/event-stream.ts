// Server-Sent Events for the dashboard: a stats snapshot every second and client connect/disconnect events.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { IntervalHistogram } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { Broker } from '../../broker.js';
import type { ClientInfo } from '../../hooks/hook.js';
import { VERSION } from '../../version.js';
import { clientJson, listenerJson } from '../api-json.js';
import { statsJson } from '../management-api.js';
import type { TokenScope } from '../token-scope.js';

/** Milliseconds between two stats events. */
export const STATS_INTERVAL_MS = 1000;
/** A stream whose unsent output grows past this is too slow to follow and is closed. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

let nextHookId = 1;

/**
 * Fans broker events out to the open event streams. The broker hook, the one-second timer and the event-loop
 * monitor exist only while at least one stream is open, so an HTTP server nobody watches costs nothing.
 */
export class EventStreamHub {
  readonly #broker: Broker;
  readonly #streams = new Set<ServerResponse>();
  #hookId = '';
  #timer: NodeJS.Timeout | undefined;
  #loopDelay: IntervalHistogram | undefined;
  #hookAdded: Promise<void> | undefined;

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  /** Streams open now. */
  get size(): number {
    return this.#streams.size;
  }

  /** Turns `res` into an event stream: headers, a `hello` event, then stats and client events until it closes. */
  open(res: ServerResponse, scope: TokenScope): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    // A 2 s reconnection delay for EventSource-style clients.
    res.write('retry: 2000\n\n');
    this.#streams.add(res);
    res.on('close', () => this.#remove(res));
    if (this.#streams.size === 1) this.#start();
    const broker = this.#broker;
    this.#send(res, 'hello', { scope, version: VERSION, nodeId: broker.id, capabilities: broker.capabilities });
    this.#send(res, 'stats', this.#stats());
  }

  /** Ends every stream and releases the timer, the monitor and the hook. */
  async close(): Promise<void> {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
    await this.#stop();
  }

  #start(): void {
    this.#loopDelay = monitorEventLoopDelay({ resolution: 20 });
    this.#loopDelay.enable();
    this.#timer = setInterval(() => this.#broadcast('stats', this.#stats()), STATS_INTERVAL_MS);
    this.#timer.unref();
    // A fresh id each time: the previous hook may still be on its way out.
    this.#hookId = `swiftlet-http-events-${nextHookId++}`;
    this.#hookAdded = this.#broker.addHook({
      id: this.#hookId,
      onConnected: (client) => this.#clientEvent('connected', client),
      onDisconnected: (client) => this.#clientEvent('disconnected', client),
      onSessionExpired: (clientId) => this.#broadcast('client', { event: 'session-ended', id: clientId, client: null }),
    });
  }

  #remove(res: ServerResponse): void {
    if (!this.#streams.delete(res)) return;
    if (this.#streams.size === 0) void this.#stop();
  }

  async #stop(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#loopDelay?.disable();
    this.#loopDelay = undefined;
    const added = this.#hookAdded;
    const hookId = this.#hookId;
    this.#hookAdded = undefined;
    if (added === undefined) return;
    await added;
    await this.#broker.removeHook(hookId);
  }

  #clientEvent(event: 'connected' | 'disconnected', client: ClientInfo): void {
    // The session as it is now: null when a clean session ended with the connection.
    const session = this.#broker.client(client.id);
    this.#broadcast('client', { event, id: client.id, client: session === undefined ? null : clientJson(session) });
  }

  #stats(): Record<string, unknown> {
    const broker = this.#broker;
    const memory = process.memoryUsage();
    const loop = this.#loopDelay;
    const ms = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e4) / 100 : 0);
    const eventLoopDelay = loop === undefined || loop.count === 0 ? { mean: 0, p99: 0, max: 0 } : { mean: ms(loop.mean), p99: ms(loop.percentile(99)), max: ms(loop.max) };
    loop?.reset();
    return {
      time: Date.now(),
      ...statsJson(broker),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
      eventLoopDelayMs: eventLoopDelay,
      listeners: broker.listenerInfo().map(listenerJson),
      bridges: broker.bridges(),
      webhooks: broker.webhooks(),
      cluster: clusterJson(broker),
    };
  }

  #broadcast(event: string, data: unknown): void {
    if (this.#streams.size === 0) return;
    const frame = sseFrame(event, data);
    for (const res of this.#streams) this.#write(res, frame);
  }

  #send(res: ServerResponse, event: string, data: unknown): void {
    this.#write(res, sseFrame(event, data));
  }

  #write(res: ServerResponse, frame: string): void {
    if (res.writableLength > MAX_BACKLOG_BYTES) {
      res.destroy();
      return;
    }
    res.write(frame);
  }
}

/** One SSE frame; JSON never contains a raw newline, so one `data:` line suffices. */
function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The node's view of its cluster for the page, or null on a single node. */
function clusterJson(broker: Broker): Record<string, unknown> | null {
  const cluster = broker.cluster;
  if (cluster === undefined) return null;
  return { nodeId: cluster.nodeId, state: cluster.state, peers: cluster.peers, forwarded: cluster.forwarded, received: cluster.received, dropped: cluster.dropped };
}
