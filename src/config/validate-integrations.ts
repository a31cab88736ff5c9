// Validation of the integration sections (auth.http, auth.jwt, webhooks, hooks), with `${ENV}` references resolved.
import { isValidTopicFilter } from '../topics/validate.js';
import { WEBHOOK_EVENTS } from '../hooks/builtin/webhooks.js';
import type { WebhookEvent } from '../hooks/builtin/webhooks.js';
import type { ConfigChecker } from './config-checker.js';
import { join } from './config-checker.js';
import type { HookModuleConfig, HttpAuthConfig, JwtAuthConfig, WebhookConfig } from './integration-types.js';

/** What the integration validators need from the main validator. */
export interface IntegrationContext {
  readonly checker: ConfigChecker;
  /** A readable file, resolved against the config folder (recorded when not). */
  file(value: unknown, path: string): string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE_ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;
const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Replaces every `${NAME}` with the environment variable; a missing one is recorded (by name, never a value). */
function expandEnv(ctx: IntegrationContext, text: string, path: string): string | undefined {
  let ok = true;
  const out = text.replace(ENV_REFERENCE, (_whole, name: string) => {
    const value = ctx.env[name];
    if (value === undefined || value === '') {
      ctx.checker.add(path, `expected the environment variable ${name} to be set, found nothing`);
      ok = false;
      return '';
    }
    return value;
  });
  return ok ? out : undefined;
}

/** A string that may hold `${ENV}` references. */
function envString(ctx: IntegrationContext, value: unknown, path: string): string | undefined {
  const text = ctx.checker.string(value, path);
  return text === undefined ? undefined : expandEnv(ctx, text, path);
}

/** An http:// or https:// URL (after `${ENV}` references). */
function url(ctx: IntegrationContext, value: unknown, path: string): string | undefined {
  const text = envString(ctx, value, path);
  if (text === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return ctx.checker.expected(path, 'an http:// or https:// URL', value);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return ctx.checker.expected(path, 'an http:// or https:// URL', value);
  return text;
}

/** A secret written in the file is refused: it must be a `${ENV}` reference (or use the matching *File key). */
function secret(ctx: IntegrationContext, value: unknown, path: string): string | undefined {
  if (typeof value !== 'string' || !WHOLE_ENV_REFERENCE.test(value)) {
    // Never echo the value: it may be the secret itself.
    ctx.checker.add(path, `expected a \${NAME} environment reference (secrets are not written in the file), found ${typeof value === 'string' ? 'a string' : 'something else'}`);
    return undefined;
  }
  return expandEnv(ctx, value, path);
}

/** A map of header name → value (values may hold `${ENV}` references). */
function headers(ctx: IntegrationContext, raw: unknown, path: string): Record<string, string> | undefined {
  const obj = ctx.checker.object(raw, path);
  if (obj === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(obj)) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      ctx.checker.add(join(path, name), 'expected an HTTP header name');
      continue;
    }
    // A non-string is described by its kind only: the value may be a credential.
    if (typeof value !== 'string' || value === '') {
      ctx.checker.add(join(path, name), 'expected a non-empty string');
      continue;
    }
    const expanded = expandEnv(ctx, value, join(path, name));
    if (expanded !== undefined) out[name] = expanded;
  }
  return out;
}

/** A non-empty list of strings. */
function stringList(ctx: IntegrationContext, raw: unknown, path: string): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return ctx.checker.expected(path, 'a non-empty list', raw);
  const out: string[] = [];
  raw.forEach((item: unknown, i) => {
    const s = ctx.checker.string(item, `${path}[${i}]`);
    if (s !== undefined) out.push(s);
  });
  return out.length === raw.length ? out : undefined;
}

/** Validates `auth.http`. */
export function validateHttpAuth(ctx: IntegrationContext, raw: unknown, path: string): HttpAuthConfig | undefined {
  const c = ctx.checker;
  const obj = c.object(raw, path);
  if (obj === undefined) return undefined;
  c.keys(obj, ['url', 'aclUrl', 'timeoutMs', 'cacheSeconds', 'maxCacheEntries', 'maxConcurrent', 'headers'], path);
  const target = obj.url === undefined ? c.expected(join(path, 'url'), 'the URL of the authentication service', undefined) : url(ctx, obj.url, join(path, 'url'));
  const out: HttpAuthConfig = { url: target ?? '', timeoutMs: 2000, cacheSeconds: 30 };
  if (obj.aclUrl !== undefined) out.aclUrl = url(ctx, obj.aclUrl, join(path, 'aclUrl'));
  if (obj.timeoutMs !== undefined) out.timeoutMs = c.integer(obj.timeoutMs, join(path, 'timeoutMs'), 1, 600_000) ?? 2000;
  if (obj.cacheSeconds !== undefined) out.cacheSeconds = c.integer(obj.cacheSeconds, join(path, 'cacheSeconds'), 0, 86_400) ?? 30;
  if (obj.maxCacheEntries !== undefined) out.maxCacheEntries = c.integer(obj.maxCacheEntries, join(path, 'maxCacheEntries'), 0, 10_000_000);
  if (obj.maxConcurrent !== undefined) out.maxConcurrent = c.integer(obj.maxConcurrent, join(path, 'maxConcurrent'), 1, 10_000);
  if (obj.headers !== undefined) out.headers = headers(ctx, obj.headers, join(path, 'headers'));
  return target === undefined ? undefined : out;
}

/** Validates `auth.jwt`. */
export function validateJwtAuth(ctx: IntegrationContext, raw: unknown, path: string): JwtAuthConfig | undefined {
  const c = ctx.checker;
  const obj = c.object(raw, path);
  if (obj === undefined) return undefined;
  c.keys(
    obj,
    ['jwksUrl', 'secretFile', 'secret', 'publicKeyFile', 'issuer', 'audience', 'algorithms', 'usernameClaim', 'aclClaim', 'clockToleranceSeconds', 'timeoutMs', 'jwksCacheSeconds', 'jwksCooldownSeconds', 'method'],
    path,
  );
  const out: JwtAuthConfig = {};
  const sources = ['jwksUrl', 'secretFile', 'secret', 'publicKeyFile'].filter((k) => obj[k] !== undefined);
  if (sources.length !== 1) {
    c.add(path, `expected exactly one of jwksUrl, secretFile, secret, publicKeyFile, found ${sources.length === 0 ? 'none' : sources.join(', ')}`);
  }
  if (obj.jwksUrl !== undefined) out.jwksUrl = url(ctx, obj.jwksUrl, join(path, 'jwksUrl'));
  if (obj.secretFile !== undefined) out.secretFile = ctx.file(obj.secretFile, join(path, 'secretFile'));
  if (obj.secret !== undefined) out.secret = secret(ctx, obj.secret, join(path, 'secret'));
  if (obj.publicKeyFile !== undefined) out.publicKeyFile = ctx.file(obj.publicKeyFile, join(path, 'publicKeyFile'));
  if (obj.issuer !== undefined) out.issuer = c.string(obj.issuer, join(path, 'issuer'));
  if (obj.audience !== undefined) out.audience = c.string(obj.audience, join(path, 'audience'));
  if (obj.algorithms !== undefined) {
    const list = stringList(ctx, obj.algorithms, join(path, 'algorithms'));
    list?.forEach((alg, i) => {
      if (!JWT_ALGORITHMS.includes(alg)) c.expected(`${join(path, 'algorithms')}[${i}]`, `one of ${JWT_ALGORITHMS.join(', ')}`, alg);
    });
    if (list !== undefined) out.algorithms = list;
  }
  if (obj.usernameClaim !== undefined) out.usernameClaim = c.string(obj.usernameClaim, join(path, 'usernameClaim'));
  if (obj.aclClaim !== undefined) out.aclClaim = c.string(obj.aclClaim, join(path, 'aclClaim'));
  if (obj.clockToleranceSeconds !== undefined) out.clockToleranceSeconds = c.integer(obj.clockToleranceSeconds, join(path, 'clockToleranceSeconds'), 0, 86_400);
  if (obj.timeoutMs !== undefined) out.timeoutMs = c.integer(obj.timeoutMs, join(path, 'timeoutMs'), 1, 600_000);
  if (obj.jwksCacheSeconds !== undefined) out.jwksCacheSeconds = c.integer(obj.jwksCacheSeconds, join(path, 'jwksCacheSeconds'), 0, 86_400 * 30);
  if (obj.jwksCooldownSeconds !== undefined) out.jwksCooldownSeconds = c.integer(obj.jwksCooldownSeconds, join(path, 'jwksCooldownSeconds'), 0, 86_400);
  if (obj.method !== undefined) out.method = c.string(obj.method, join(path, 'method'));
  for (const key of ['jwksCacheSeconds', 'jwksCooldownSeconds', 'timeoutMs']) {
    if (obj[key] !== undefined && obj.jwksUrl === undefined) c.add(join(path, key), 'expected only with jwksUrl, found no jwksUrl');
  }
  return out;
}

/** Validates `webhooks`. */
export function validateWebhooks(ctx: IntegrationContext, raw: unknown): WebhookConfig[] {
  const c = ctx.checker;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    c.expected('webhooks', 'a list of webhooks', raw);
    return [];
  }
  const out: WebhookConfig[] = [];
  const ids = new Set<string>();
  raw.forEach((item: unknown, i) => {
    const path = `webhooks[${i}]`;
    const obj = c.object(item, path);
    if (obj === undefined) return;
    c.keys(obj, ['id', 'url', 'events', 'topics', 'batch', 'secretFile', 'secret', 'headers', 'timeoutMs', 'maxQueued', 'concurrency', 'retry'], path);
    const id = obj.id === undefined ? (i === 0 ? 'webhook' : `webhook-${i + 1}`) : c.string(obj.id, join(path, 'id'));
    if (id !== undefined && ids.has(id)) c.add(join(path, 'id'), `duplicate webhook id ${JSON.stringify(id)}`);
    if (id !== undefined) ids.add(id);
    const target = obj.url === undefined ? c.expected(join(path, 'url'), 'the URL of the endpoint', undefined) : url(ctx, obj.url, join(path, 'url'));
    const hook: WebhookConfig = { id: id ?? 'webhook', url: target ?? '', events: [...WEBHOOK_EVENTS], topics: ['#'], batch: { maxMessages: 100, maxDelayMs: 200 } };
    if (obj.events !== undefined) {
      const events = stringList(ctx, obj.events, join(path, 'events'));
      events?.forEach((e, j) => {
        if (!(WEBHOOK_EVENTS as readonly string[]).includes(e)) c.expected(`${join(path, 'events')}[${j}]`, `one of ${WEBHOOK_EVENTS.join(', ')}`, e);
      });
      if (events !== undefined) hook.events = events as WebhookEvent[];
    }
    if (obj.topics !== undefined) {
      const topics = stringList(ctx, obj.topics, join(path, 'topics'));
      topics?.forEach((t, j) => {
        if (!isValidTopicFilter(t)) c.expected(`${join(path, 'topics')}[${j}]`, 'a topic filter', t);
      });
      if (topics !== undefined) hook.topics = topics;
    }
    if (obj.batch !== undefined) {
      const batch = c.object(obj.batch, join(path, 'batch'));
      if (batch !== undefined) {
        c.keys(batch, ['maxMessages', 'maxDelayMs'], join(path, 'batch'));
        if (batch.maxMessages !== undefined) hook.batch.maxMessages = c.integer(batch.maxMessages, join(path, 'batch.maxMessages'), 1, 100_000) ?? 100;
        if (batch.maxDelayMs !== undefined) hook.batch.maxDelayMs = c.integer(batch.maxDelayMs, join(path, 'batch.maxDelayMs'), 0, 600_000) ?? 200;
      }
    }
    if (obj.secretFile !== undefined && obj.secret !== undefined) c.add(join(path, 'secret'), 'expected either secret or secretFile, found both');
    if (obj.secretFile !== undefined) hook.secretFile = ctx.file(obj.secretFile, join(path, 'secretFile'));
    if (obj.secret !== undefined) hook.secret = secret(ctx, obj.secret, join(path, 'secret'));
    if (obj.headers !== undefined) hook.headers = headers(ctx, obj.headers, join(path, 'headers'));
    if (obj.timeoutMs !== undefined) hook.timeoutMs = c.integer(obj.timeoutMs, join(path, 'timeoutMs'), 1, 600_000);
    if (obj.maxQueued !== undefined) hook.maxQueued = c.integer(obj.maxQueued, join(path, 'maxQueued'), 1, 10_000_000);
    if (obj.concurrency !== undefined) hook.concurrency = c.integer(obj.concurrency, join(path, 'concurrency'), 1, 1024);
    if (obj.retry !== undefined) {
      const retry = c.object(obj.retry, join(path, 'retry'));
      if (retry !== undefined) {
        c.keys(retry, ['maxAttempts', 'initialDelayMs', 'maxDelayMs'], join(path, 'retry'));
        hook.retry = {};
        if (retry.maxAttempts !== undefined) hook.retry.maxAttempts = c.integer(retry.maxAttempts, join(path, 'retry.maxAttempts'), 1, 1_000_000);
        if (retry.initialDelayMs !== undefined) hook.retry.initialDelayMs = c.integer(retry.initialDelayMs, join(path, 'retry.initialDelayMs'), 1, 3_600_000);
        if (retry.maxDelayMs !== undefined) hook.retry.maxDelayMs = c.integer(retry.maxDelayMs, join(path, 'retry.maxDelayMs'), 1, 3_600_000);
      }
    }
    out.push(hook);
  });
  return out;
}

/** Validates `hooks`: each a module file (relative to the config file) and optional options. */
export function validateHookModules(ctx: IntegrationContext, raw: unknown): HookModuleConfig[] {
  const c = ctx.checker;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    c.expected('hooks', 'a list of { module, options }', raw);
    return [];
  }
  const out: HookModuleConfig[] = [];
  raw.forEach((item: unknown, i) => {
    const path = `hooks[${i}]`;
    const obj = c.object(item, path);
    if (obj === undefined) return;
    c.keys(obj, ['module', 'options'], path);
    if (obj.module === undefined) {
      c.expected(join(path, 'module'), 'the path of a JavaScript module', undefined);
      return;
    }
    const file = ctx.file(obj.module, join(path, 'module'));
    if (file !== undefined) out.push({ module: file, written: obj.module as string, options: obj.options });
  });
  return out;
}
