// Builds the integration hooks of a configuration (hook modules, JWT and HTTP authentication, webhooks) and swaps them on reload.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Broker } from '../broker.js';
import type { Hook, HookLogger } from '../hooks/hook.js';
import { HttpAuth } from '../hooks/builtin/http-auth.js';
import { JwtAuth } from '../hooks/builtin/jwt-auth.js';
import type { JwtAuthOptions } from '../hooks/builtin/jwt-auth.js';
import { Webhook } from '../hooks/builtin/webhooks.js';
import type { SwiftletConfig } from '../config/config-types.js';
import type { HookModuleConfig, JwtAuthConfig, WebhookConfig } from '../config/integration-types.js';

/** The second argument of a hook module's factory. */
export interface HookModuleContext {
  /** The broker's logger. */
  readonly logger: HookLogger;
  readonly brokerId: string;
  /** The module file (absolute path). */
  readonly modulePath: string;
}

/** What a hook module's default export must be: `(options, context) => Hook` (or a Promise of one). */
export type HookModuleFactory = (options: unknown, context: HookModuleContext) => Hook | Promise<Hook>;

/** A hook built from the configuration, with what it was built from (to keep it when that did not change). */
interface BuiltHook {
  readonly hook: Hook;
  /** Digest of the settings and the files they name; undefined = rebuilt on every apply (modules). */
  readonly fingerprint: string | undefined;
}

/** A secret from a file: the content without the trailing line break editors add. */
function readSecretFile(file: string): string {
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

function fingerprint(section: unknown, files: (string | undefined)[]): string {
  const hash = createHash('sha256').update(JSON.stringify(section));
  for (const file of files) if (file !== undefined) hash.update(readFileSync(file));
  return hash.digest('base64');
}

/** Loads one hook module and calls its factory; every failure names the module. */
async function loadHookModule(entry: HookModuleConfig, index: number, logger: HookLogger, brokerId: string, generation: number): Promise<Hook> {
  const name = `hooks[${index}] (${entry.written})`;
  let factory: unknown;
  try {
    // A changed query makes the ESM loader read the file again on reload instead of answering from its cache.
    const url = pathToFileURL(entry.module);
    url.searchParams.set('v', `${generation}-${statSync(entry.module).mtimeMs}`);
    factory = ((await import(url.href)) as { default?: unknown }).default;
  } catch (err) {
    throw new Error(`${name}: cannot load the module: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof factory !== 'function') throw new Error(`${name}: expected a default export (options, context) => Hook, found ${typeof factory}`);
  let hook: unknown;
  try {
    hook = await (factory as HookModuleFactory)(entry.options, { logger, brokerId, modulePath: entry.module });
  } catch (err) {
    throw new Error(`${name}: the factory failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (typeof hook !== 'object' || hook === null || typeof (hook as { id?: unknown }).id !== 'string' || (hook as { id: string }).id === '') {
    throw new Error(`${name}: expected the factory to return a hook with a non-empty string id`);
  }
  return hook as Hook;
}

function jwtOptions(jwt: JwtAuthConfig): JwtAuthOptions {
  const options: JwtAuthOptions = {};
  if (jwt.jwksUrl !== undefined) options.jwksUrl = jwt.jwksUrl;
  if (jwt.secret !== undefined) options.secret = jwt.secret;
  if (jwt.secretFile !== undefined) options.secret = readSecretFile(jwt.secretFile);
  if (jwt.publicKeyFile !== undefined) options.publicKey = readFileSync(jwt.publicKeyFile, 'utf8');
  const { issuer, audience, algorithms, usernameClaim, aclClaim, clockToleranceSeconds, timeoutMs, jwksCacheSeconds, jwksCooldownSeconds, method } = jwt;
  return Object.assign(
    options,
    Object.fromEntries(
      Object.entries({ issuer, audience, algorithms, usernameClaim, aclClaim, clockToleranceSeconds, timeoutMs, jwksCacheSeconds, jwksCooldownSeconds, method }).filter(([, v]) => v !== undefined),
    ),
  );
}

function createWebhook(w: WebhookConfig): Webhook {
  const secret = w.secretFile !== undefined ? readSecretFile(w.secretFile) : w.secret;
  return new Webhook({
    id: w.id,
    url: w.url,
    events: w.events,
    topics: w.topics,
    batch: w.batch,
    ...(secret === undefined ? {} : { secret }),
    ...(w.headers === undefined ? {} : { headers: w.headers }),
    ...(w.timeoutMs === undefined ? {} : { timeoutMs: w.timeoutMs }),
    ...(w.maxQueued === undefined ? {} : { maxQueued: w.maxQueued }),
    ...(w.concurrency === undefined ? {} : { concurrency: w.concurrency }),
    ...(w.retry === undefined ? {} : { retry: w.retry }),
  });
}

/**
 * The hooks a configuration asks for, in chain order: `hooks` modules, then JWT, then HTTP authentication,
 * then webhooks. `keep` maps a fingerprint to an existing hook that can be reused as it is.
 */
async function buildHooks(config: SwiftletConfig, logger: HookLogger, brokerId: string, generation: number, keep: ReadonlyMap<string, Hook>): Promise<BuiltHook[]> {
  const out: BuiltHook[] = [];
  const reuse = (print: string, create: () => Hook): BuiltHook => ({ hook: keep.get(print) ?? create(), fingerprint: print });
  const modules = config.hooks ?? [];
  for (let i = 0; i < modules.length; i++) out.push({ hook: await loadHookModule(modules[i]!, i, logger, brokerId, generation), fingerprint: undefined });
  const jwt = config.auth.jwt;
  if (jwt !== undefined) out.push(reuse(fingerprint({ jwt }, [jwt.secretFile, jwt.publicKeyFile]), () => new JwtAuth(jwtOptions(jwt))));
  const http = config.auth.http;
  if (http !== undefined) {
    out.push(
      reuse(fingerprint({ http }, []), () =>
        new HttpAuth({
          url: http.url,
          timeoutMs: http.timeoutMs,
          cacheSeconds: http.cacheSeconds,
          ...(http.aclUrl === undefined ? {} : { aclUrl: http.aclUrl }),
          ...(http.headers === undefined ? {} : { headers: http.headers }),
          ...(http.maxCacheEntries === undefined ? {} : { maxCacheEntries: http.maxCacheEntries }),
          ...(http.maxConcurrent === undefined ? {} : { maxConcurrent: http.maxConcurrent }),
        }),
      ),
    );
  }
  for (const w of config.webhooks ?? []) out.push(reuse(fingerprint({ w }, [w.secretFile]), () => createWebhook(w)));
  const ids = new Set<string>();
  for (const { hook } of out) {
    if (ids.has(hook.id)) throw new Error(`duplicate hook id ${JSON.stringify(hook.id)} among the configured hooks`);
    ids.add(hook.id);
  }
  return out;
}

/**
 * The integration hooks of a running server. `apply(config)` builds the hooks a configuration asks for and
 * swaps them into the broker's chain just before the hook `before` (the AuthLedger), so they decide first.
 * Hooks whose settings (and secret files) did not change are kept as they are, with their caches and
 * per-connection state; hook modules are loaded again every time. When building fails nothing changes.
 */
export class IntegrationHooks {
  readonly #broker: Broker;
  readonly #logger: HookLogger;
  readonly #before: string | undefined;
  #current: BuiltHook[] = [];
  #generation = 0;

  constructor(broker: Broker, logger: HookLogger, before?: string) {
    this.#broker = broker;
    this.#logger = logger;
    this.#before = before;
  }

  /** The hooks in place now, in chain order. */
  get hooks(): readonly Hook[] {
    return this.#current.map((b) => b.hook);
  }

  /** Builds the hooks of `config` and swaps them in; rejects (keeping the current hooks) when one cannot be built. */
  async apply(config: SwiftletConfig): Promise<void> {
    const keep = new Map<string, Hook>();
    for (const b of this.#current) if (b.fingerprint !== undefined) keep.set(b.fingerprint, b.hook);
    const next = await buildHooks(config, this.#logger, this.#broker.id, ++this.#generation, keep);
    const previous = new Set(this.#current.map((b) => b.hook));
    const kept = new Set(next.map((b) => b.hook).filter((h) => previous.has(h)));
    // Out of the chain and in within one synchronous stretch, so no CONNECT sees a chain without them:
    // removeHook and addHook change the chain before their first await; stop and init run afterwards.
    // Kept hooks stay where they are; a new hook goes just before the next kept one (else before the anchor).
    const pending: Promise<unknown>[] = [];
    for (const b of this.#current) if (!kept.has(b.hook)) pending.push(this.#broker.removeHook(b.hook.id));
    next.forEach((b, i) => {
      if (kept.has(b.hook)) return;
      const anchor = next.slice(i + 1).find((later) => kept.has(later.hook))?.hook.id ?? this.#before;
      pending.push(this.#broker.addHook(b.hook, anchor === undefined ? {} : { before: anchor }));
    });
    this.#current = next;
    await Promise.all(pending);
  }

  /** Removes every integration hook (their stop runs). */
  async clear(): Promise<void> {
    const current = this.#current;
    this.#current = [];
    await Promise.all(current.map((b) => this.#broker.removeHook(b.hook.id)));
  }
}
