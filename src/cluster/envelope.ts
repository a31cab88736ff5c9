// Conversion between routed Messages and bus envelopes.
import type { Message } from '../routing/message.js';
import type { BusEnvelope } from './bus.js';

/** The envelope announcing a local publish to other nodes. */
export function messageToEnvelope(message: Message, nodeId: string): BusEnvelope {
  const properties: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(message.properties)) properties[k] = Buffer.isBuffer(v) ? { base64: v.toString('base64') } : v;
  return {
    origin: nodeId,
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    retain: message.retain,
    properties,
    publisher: message.origin ?? '',
    expiresAt: message.expiresAt,
  };
}
