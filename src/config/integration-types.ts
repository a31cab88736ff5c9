// The validated shape of the integration sections: auth.http, auth.jwt, webhooks and hooks.
import type { WebhookEvent } from '../hooks/builtin/webhooks.js';

/** `auth.http`: authentication (and ACL) by a web service. */
export interface HttpAuthConfig {
  url: string;
  aclUrl?: string;
  timeoutMs: number;
  cacheSeconds: number;
  maxCacheEntries?: number;
  maxConcurrent?: number;
  /** Header values with `${ENV}` references already resolved. */
  headers?: Record<string, string>;
}

/** `auth.jwt`: the password (or 5.0 Authentication Data) is a JWT. */
export interface JwtAuthConfig {
  jwksUrl?: string;
  /** Absolute path of a file holding the HS* secret. */
  secretFile?: string;
  /** The HS* secret, from a `${ENV}` reference. */
  secret?: string;
  /** Absolute path of a PEM public key. */
  publicKeyFile?: string;
  issuer?: string;
  audience?: string;
  algorithms?: string[];
  usernameClaim?: string;
  aclClaim?: string;
  clockToleranceSeconds?: number;
  timeoutMs?: number;
  jwksCacheSeconds?: number;
  jwksCooldownSeconds?: number;
  method?: string;
}

/** One entry of `webhooks`. */
export interface WebhookConfig {
  id: string;
  url: string;
  events: WebhookEvent[];
  topics: string[];
  batch: { maxMessages: number; maxDelayMs: number };
  /** Absolute path of a file holding the HMAC key. */
  secretFile?: string;
  /** The HMAC key, from a `${ENV}` reference. */
  secret?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  maxQueued?: number;
  concurrency?: number;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
}

/** One entry of `hooks`: a module whose default export builds a hook. */
export interface HookModuleConfig {
  /** Absolute path of the module file. */
  module: string;
  /** The path as written in the configuration, for messages. */
  written: string;
  /** Handed to the module's factory as they are. */
  options: unknown;
}
