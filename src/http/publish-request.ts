// Validation of the POST /api/v1/publish body.
import type { Properties, QoS, UserProperty } from '../codec/types.js';
import { ApiError } from './api-error.js';

/** A validated publish request. */
export interface PublishRequest {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties;
}

const UINT32_MAX = 0xffffffff;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Checks `{ topic, payload | payloadBase64, qos, retain, properties }`; throws a 400 ApiError naming the bad field. */
export function validatePublishRequest(body: unknown): PublishRequest {
  if (!isObject(body)) throw new ApiError(400, 'body must be a JSON object');
  const { topic, payload, payloadBase64, qos = 0, retain = false, properties } = body;
  if (typeof topic !== 'string' || topic.length === 0) throw new ApiError(400, 'topic must be a non-empty string');
  if (payload !== undefined && payloadBase64 !== undefined) throw new ApiError(400, 'give payload or payloadBase64, not both');
  let bytes: Buffer;
  if (payloadBase64 !== undefined) bytes = decodeBase64(payloadBase64, 'payloadBase64');
  else if (payload === undefined) bytes = Buffer.alloc(0);
  else if (typeof payload === 'string') bytes = Buffer.from(payload, 'utf8');
  else throw new ApiError(400, 'payload must be a string (use payloadBase64 for binary)');
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new ApiError(400, 'qos must be 0, 1 or 2');
  if (typeof retain !== 'boolean') throw new ApiError(400, 'retain must be a boolean');
  return { topic, payload: bytes, qos, retain, properties: properties === undefined ? {} : validateProperties(properties) };
}

function validateProperties(value: unknown): Properties {
  if (!isObject(value)) throw new ApiError(400, 'properties must be an object');
  const out: Properties = {};
  for (const [key, v] of Object.entries(value)) {
    switch (key) {
      case 'payloadFormatIndicator':
        if (v !== 0 && v !== 1) throw new ApiError(400, 'properties.payloadFormatIndicator must be 0 or 1');
        out.payloadFormatIndicator = v;
        break;
      case 'messageExpiryInterval':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > UINT32_MAX) {
          throw new ApiError(400, 'properties.messageExpiryInterval must be an integer 0..4294967295');
        }
        out.messageExpiryInterval = v;
        break;
      case 'contentType':
      case 'responseTopic':
        if (typeof v !== 'string') throw new ApiError(400, `properties.${key} must be a string`);
        out[key] = v;
        break;
      case 'correlationData':
        out.correlationData = decodeBase64(v, 'properties.correlationData');
        break;
      case 'userProperties':
        out.userProperties = validateUserProperties(v);
        break;
      default:
        throw new ApiError(400, `properties.${key} is not allowed on a publish`);
    }
  }
  return out;
}

function validateUserProperties(v: unknown): UserProperty[] {
  const error = new ApiError(400, 'properties.userProperties must be [[name, value], ...] or { name: value }');
  if (Array.isArray(v)) {
    return v.map((pair: unknown) => {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw error;
      return [pair[0], pair[1]] as const;
    });
  }
  if (!isObject(v)) throw error;
  return Object.entries(v).map(([name, value]) => {
    if (typeof value !== 'string') throw error;
    return [name, value] as const;
  });
}

function decodeBase64(v: unknown, field: string): Buffer {
  if (typeof v !== 'string' || v.length % 4 !== 0 || !BASE64.test(v)) throw new ApiError(400, `${field} must be base64`);
  return Buffer.from(v, 'base64');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
