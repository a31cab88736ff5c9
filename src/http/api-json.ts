// JSON views of broker state for the management API: Buffers as base64, MQTT properties made JSON-safe.
import { isUtf8 } from 'node:buffer';
import type { ClientSnapshot, ListenerInfo, RetainedSnapshot } from '../broker-views.js';
import type { Properties } from '../codec/types.js';

const PROTOCOL_NAMES = { 3: '3.1', 4: '3.1.1', 5: '5.0' } as const;

/** A client session as the API returns it. */
export function clientJson(c: ClientSnapshot): Record<string, unknown> {
  return {
    id: c.id,
    protocol: PROTOCOL_NAMES[c.protocolVersion],
    username: c.username ?? null,
    address: c.remoteAddress,
    listener: c.listenerId,
    connected: c.connected,
    connectedAt: c.connectedAt > 0 ? new Date(c.connectedAt).toISOString() : null,
    keepAlive: c.keepAlive,
    sessionExpiryInterval: c.sessionExpiryInterval,
    subscriptions: c.subscriptions,
    inflight: c.inflight,
    queued: c.queued,
    queuedBytes: c.queuedBytes,
    dropped: c.dropped,
    limits: c.limits,
  };
}

/** A retained message: `payload` as text when it is valid UTF-8 (else null), always `payloadBase64`. */
export function retainedJson(m: RetainedSnapshot): Record<string, unknown> {
  return {
    topic: m.topic,
    qos: m.qos,
    payload: isUtf8(m.payload) ? m.payload.toString('utf8') : null,
    payloadBase64: m.payload.toString('base64'),
    properties: propertiesJson(m.properties),
  };
}

/** MQTT properties with binary values as base64 and user properties as `[name, value]` pairs. */
export function propertiesJson(p: Properties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(p) as [string, unknown][]) {
    if (value === undefined) continue;
    out[key] = Buffer.isBuffer(value) ? value.toString('base64') : value;
  }
  return out;
}

/** A listener with its address and counters. */
export function listenerJson(l: ListenerInfo): Record<string, unknown> {
  return { id: l.id, transport: l.transport, address: l.address ?? null, stats: l.stats ?? null };
}
