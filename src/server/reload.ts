// SIGHUP: compare the re-read configuration with the running one, apply what is safe for connected clients, and list
// every other change as needing a restart.
import type { SwiftletConfig } from '../config/config-types.js';
import { LIVE_CAPABILITIES } from '../options.js';
import type { Capabilities, LiveCapability } from '../options.js';
import type { ReloadResult } from './create-server.js';

/** What a reload will do. */
export interface ReloadPlan {
  /** The auth section changed (users, rules, ACL, anonymous access): the ledger takes the new settings. */
  auth: boolean;
  /** The rate limits changed: the new ones (undefined = none). */
  rateLimit: { changed: boolean; next: SwiftletConfig['rateLimit'] };
  /** Capabilities that change now. */
  capabilities: Partial<Pick<Capabilities, LiveCapability>>;
  /** The new log level, when it changed. */
  logLevel: SwiftletConfig['logging']['level'] | undefined;
  /** Configuration keys whose change takes effect only after a restart. */
  restart: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The auth settings a running ledger can take; SCRAM is a separate hook, added only at start. */
function ledgerSettings(auth: SwiftletConfig['auth']): unknown {
  return { ...auth, scram: undefined };
}

/** Compares two configurations; every top-level key (including ones this file does not know) is covered. */
export function planReload(current: SwiftletConfig, next: SwiftletConfig): ReloadPlan {
  const plan: ReloadPlan = {
    auth: !same(ledgerSettings(current.auth), ledgerSettings(next.auth)),
    rateLimit: { changed: !same(current.rateLimit, next.rateLimit), next: next.rateLimit },
    capabilities: {},
    logLevel: current.logging.level === next.logging.level ? undefined : next.logging.level,
    restart: [],
  };
  if (current.auth.scram !== next.auth.scram) plan.restart.push('auth.scram');
  const live = new Set<string>(LIVE_CAPABILITIES);
  const keys = new Set([...Object.keys(current.capabilities), ...Object.keys(next.capabilities)]);
  for (const key of keys) {
    const before = (current.capabilities as Record<string, unknown>)[key];
    const after = (next.capabilities as Record<string, unknown>)[key];
    if (same(before, after)) continue;
    if (live.has(key)) (plan.capabilities as Record<string, unknown>)[key] = after;
    else plan.restart.push(`capabilities.${key}`);
  }
  if (current.logging.format !== next.logging.format) plan.restart.push('logging.format');
  // `hooks` and `webhooks` (like auth.http and auth.jwt) are rebuilt by the integrations on every reload.
  const handled = new Set(['auth', 'rateLimit', 'capabilities', 'logging', 'hooks', 'webhooks']);
  const top = new Set([...Object.keys(current), ...Object.keys(next)]);
  for (const key of top) {
    if (handled.has(key)) continue;
    if (!same((current as unknown as Record<string, unknown>)[key], (next as unknown as Record<string, unknown>)[key])) plan.restart.push(key);
  }
  return plan;
}

/** Capabilities removed from the file go back to their defaults. */
export function withDefaults(changes: Partial<Pick<Capabilities, LiveCapability>>, defaults: Readonly<Capabilities>): Partial<Pick<Capabilities, LiveCapability>> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) out[key] = value === undefined ? (defaults as unknown as Record<string, unknown>)[key] : value;
  return out;
}

/** The configuration now in force: `next`, except for what needs a restart or failed to apply (those keep `current`). */
export function effectiveConfig(current: SwiftletConfig, next: SwiftletConfig, result: ReloadResult): SwiftletConfig {
  const out = structuredClone(next) as unknown as Record<string, unknown>;
  const cur = current as unknown as Record<string, unknown>;
  const keep = [...result.restart, ...result.failed.flatMap((f) => f.key.split(', '))];
  for (const key of keep) {
    const [section, name] = key.split('.') as [string, string | undefined];
    if (name === undefined) {
      if (cur[section] === undefined) delete out[section];
      else out[section] = structuredClone(cur[section]);
      continue;
    }
    const target = out[section] as Record<string, unknown>;
    const source = cur[section] as Record<string, unknown>;
    if (source[name] === undefined) delete target[name];
    else target[name] = source[name];
  }
  return out as unknown as SwiftletConfig;
}
