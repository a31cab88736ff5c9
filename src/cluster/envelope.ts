// Messages between nodes: a binary envelope (a JSON head and the payload bytes as they are).
import type { Properties } from '../codec/types.js';
import { createMessage } from '../routing/message.js';
import type { Message } from '../routing/message.js';

/** A message as it travels to one node, with what that node must deliver. */
export interface Envelope {
  /** The node it was published on. */
  readonly origin: string;
  readonly message: Message;
  /** Deliver to the receiving node's non-shared subscriptions. */
  readonly plain: boolean;
  /** Shared groups (group keys) the receiving node delivers to. */
  readonly groups: readonly string[];
}

interface Head {
  o: string;
  t: string;
  q: 0 | 1 | 2;
  r: boolean;
  p: Record<string, unknown>;
  u: string | null;
  e: number;
  pl: boolean;
  g: readonly string[];
}

// Buffer-valued properties (correlation data, authentication data) travel as base64 inside the JSON head.
const BUFFER_TAG = '\u0000b64:';

function propertiesToJson(properties: Properties): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(properties)) out[k] = Buffer.isBuffer(v) ? BUFFER_TAG + v.toString('base64') : v;
  return out;
}

function propertiesFromJson(json: Record<string, unknown>): Properties {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(json)) out[k] = typeof v === 'string' && v.startsWith(BUFFER_TAG) ? Buffer.from(v.slice(BUFFER_TAG.length), 'base64') : v;
  return out;
}

/** Encodes an envelope: 4-byte head length, the JSON head, the payload. */
export function encodeEnvelope(envelope: Envelope): Buffer {
  const m = envelope.message;
  const head: Head = { o: envelope.origin, t: m.topic, q: m.qos, r: m.retain, p: propertiesToJson(m.properties), u: m.origin, e: m.expiresAt, pl: envelope.plain, g: envelope.groups };
  const json = Buffer.from(JSON.stringify(head));
  const out = Buffer.allocUnsafe(4 + json.length + m.payload.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  m.payload.copy(out, 4 + json.length);
  return out;
}

/** Decodes an envelope; throws on bytes that are not one. */
export function decodeEnvelope(bytes: Buffer): Envelope {
  if (bytes.length < 4) throw new Error('cluster envelope too short');
  const headLength = bytes.readUInt32BE(0);
  if (4 + headLength > bytes.length) throw new Error('cluster envelope head overruns');
  const head = JSON.parse(bytes.subarray(4, 4 + headLength).toString()) as Head;
  // The payload outlives this read (queued, retained): give it its own memory.
  const payload = Buffer.from(bytes.subarray(4 + headLength));
  const message = createMessage(head.t, payload, head.q, head.r, propertiesFromJson(head.p), head.u, head.e);
  return { origin: head.o, message, plain: head.pl, groups: head.g };
}
