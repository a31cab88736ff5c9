// Per-client limits (ClientLimits): the accepted keys and ranges, shared by the CONNECT handler and the auth ledger.
import type { ClientLimits } from './hook.js';

/** Each per-client limit and its accepted integer range (publish rates may be fractional). */
export const CLIENT_LIMIT_RANGES: Readonly<Record<keyof ClientLimits, readonly [min: number, max: number]>> = Object.freeze({
  receiveMaximum: [1, 65535],
  maximumInflight: [1, 65535],
  maximumQueuedMessages: [0, 100_000_000],
  maximumQueuedBytes: [0, Number.MAX_SAFE_INTEGER],
  maximumSubscriptionsPerClient: [0, 2 ** 31],
  publishPerSecond: [0, Number.MAX_SAFE_INTEGER],
  publishBytesPerSecond: [0, Number.MAX_SAFE_INTEGER],
});

/** What is wrong with a ClientLimits value, and where. */
export interface ClientLimitsError {
  readonly path: string;
  readonly message: string;
}

const RATES: readonly string[] = ['publishPerSecond', 'publishBytesPerSecond'];

/**
 * Checks a ClientLimits value; returns a copy holding only the given keys, or the first bad key and what is wrong
 * with it (unknown keys, wrong types and values out of range are errors). `path` prefixes the key in the message.
 */
export function checkClientLimits(raw: unknown, path: string): { limits: ClientLimits } | { error: ClientLimitsError } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { error: { path, message: `expected an object of limits, found ${JSON.stringify(raw)}` } };
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    if (value === undefined) continue;
    const range = (CLIENT_LIMIT_RANGES as Record<string, readonly [number, number] | undefined>)[key];
    if (range === undefined) return { error: { path: `${path}.${key}`, message: `unknown limit (expected one of ${Object.keys(CLIENT_LIMIT_RANGES).join(', ')})` } };
    const [min, max] = range;
    const rate = RATES.includes(key);
    const ok = typeof value === 'number' && (rate ? Number.isFinite(value) && value > 0 : Number.isInteger(value)) && value >= min && value <= max;
    if (!ok) return { error: { path: `${path}.${key}`, message: `expected ${rate ? 'a positive number' : `an integer in ${min}..${max}`}, found ${JSON.stringify(value)}` } };
    out[key] = value;
  }
  return { limits: out };
}
