// HttpAuth: asks a web service whether a client may connect, and optionally whether it may publish or subscribe.
import { createHash } from 'node:crypto';
import { ReasonCode } from '../../codec/reason-codes.js';
import type { AclAccess, AuthResult, ClientInfo, ConnectAuth, Decision, Hook, HookContext, HookLogger, MaybePromise } from '../hook.js';
import { BoundedCache } from './bounded-cache.js';
import type { CircuitBreakerOptions } from './circuit-breaker.js';
import { checkClientAcl, compileClientAcl } from './client-acl.js';
import type { ClientAcl } from './client-acl.js';
import { HttpCaller, redactUrl } from './http-caller.js';
import type { HttpCallResult } from './http-caller.js';
import { PerConnection } from './per-connection.js';
import { ThrottledWarning } from './throttled-warning.js';

/** Options of HttpAuth. */
export interface HttpAuthOptions {
  /** Hook id. Default `http-auth`. */
  id?: string;
  /** Authentication endpoint: POST JSON per CONNECT. */
  url: string;
  /** Optional ACL endpoint: POST JSON per publish / subscribe decision (answers are cached). */
  aclUrl?: string;
  /** Deadline of one call, ms. Default 2000. */
  timeoutMs?: number;
  /** How long allow and deny answers are remembered, seconds; 0 = not cached. Default 30. */
  cacheSeconds?: number;
  /** Most cached answers per endpoint. Default 10000. */
  maxCacheEntries?: number;
  /** Request headers, e.g. `{ Authorization: 'Bearer …' }`; never logged. */
  headers?: Readonly<Record<string, string>>;
  /** Requests in flight at once per endpoint. Default 64. */
  maxConcurrent?: number;
  /** Circuit breaker per endpoint. Default: open after 5 consecutive failures, retry after 10 s. */
  breaker?: CircuitBreakerOptions;
  /** Logger until init() hands over the broker's. */
  logger?: HookLogger;
}

/** A parsed answer of the authentication endpoint. */
interface AuthAnswer {
  readonly result: 'allow' | 'deny' | 'ignore';
  readonly username: string | undefined;
  readonly acl: ClientAcl | undefined;
}

const SILENT: HookLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** What a client sees when the service cannot answer: never allow. */
const UNAVAILABLE: AuthResult = {
  decision: 'deny',
  reasonCode: ReasonCode.SERVER_UNAVAILABLE,
  reasonString: 'authentication service unavailable',
};

/**
 * Authentication (and optionally authorization) by a web service, EMQX / Mosquitto-go-auth style.
 * The service answers `{"result": "allow" | "deny" | "ignore", "username"?, "acl"?}` with a 2xx status;
 * `ignore` lets the next hook decide. A timeout, a network error, a 5xx (any non-2xx) or an unreadable answer
 * means the service is unavailable: CONNACK 0x88 Server unavailable (3.1.1: return code 3), never allow.
 * Answers are cached (bounded), calls have a deadline, bounded concurrency and a circuit breaker.
 */
export class HttpAuth implements Hook {
  readonly id: string;
  readonly #auth: HttpCaller;
  readonly #acl: HttpCaller | undefined;
  readonly #authCache: BoundedCache<string, AuthAnswer>;
  readonly #aclCache: BoundedCache<string, Decision>;
  readonly #clientAcls = new PerConnection<ClientAcl>();
  readonly #warning = new ThrottledWarning();
  #logger: HookLogger;

  constructor(options: HttpAuthOptions) {
    this.id = options.id ?? 'http-auth';
    const common = {
      timeoutMs: options.timeoutMs ?? 2000,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
      ...(options.breaker === undefined ? {} : { breaker: options.breaker }),
    };
    this.#auth = new HttpCaller({ url: options.url, ...common });
    this.#acl = options.aclUrl === undefined ? undefined : new HttpCaller({ url: options.aclUrl, ...common });
    const cache = { maxEntries: options.maxCacheEntries ?? 10_000, ttlMs: (options.cacheSeconds ?? 30) * 1000 };
    this.#authCache = new BoundedCache(cache);
    this.#aclCache = new BoundedCache(cache);
    this.#logger = options.logger ?? SILENT;
  }

  /** Takes the broker's logger. */
  init(ctx: HookContext): void {
    this.#logger = ctx.logger;
  }

  /** Forgets cached answers and per-client ACLs. */
  stop(): void {
    this.#authCache.clear();
    this.#aclCache.clear();
    this.#clientAcls.drain();
  }

  /** Asks the authentication endpoint (or the cache); a cached answer is returned synchronously. */
  authenticate(client: ClientInfo, auth: ConnectAuth): MaybePromise<AuthResult | Decision> {
    const certificate = auth.meta.certificate;
    const request = {
      clientId: auth.clientId,
      username: auth.username ?? null,
      password: auth.password === undefined ? null : auth.password.toString('base64'),
      remoteAddress: auth.meta.remoteAddress,
      listener: auth.meta.listenerId,
      protocolVersion: client.protocolVersion,
      certificate:
        certificate === undefined
          ? null
          : { commonName: certificate.commonName, subject: certificate.subject, subjectAltNames: certificate.subjectAltNames, authorized: certificate.authorized },
    };
    // The key is a digest: the cache must not hold passwords in the clear.
    const key = createHash('sha256').update(JSON.stringify(request)).digest('base64');
    const cached = this.#authCache.get(key);
    if (cached !== undefined) return this.#applyAuth(client, cached);
    return this.#auth.postJson(request).then((result) => {
      const answer = this.#parseAuthAnswer(result);
      if (answer === undefined) return UNAVAILABLE;
      this.#authCache.set(key, answer);
      return this.#applyAuth(client, answer);
    });
  }

  #applyAuth(client: ClientInfo, answer: AuthAnswer): AuthResult | Decision {
    if (answer.result === 'ignore') return 'defer';
    if (answer.result === 'deny') return { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD };
    if (answer.acl !== undefined) this.#clientAcls.set(client, answer.acl);
    else this.#clientAcls.delete(client);
    return answer.username === undefined ? { decision: 'allow' } : { decision: 'allow', username: answer.username };
  }

  #parseAuthAnswer(result: HttpCallResult): AuthAnswer | undefined {
    const body = this.#answerBody(result, this.#auth);
    if (body === undefined) return undefined;
    const value = body.result;
    if (value !== 'allow' && value !== 'deny' && value !== 'ignore') return this.#bad(this.#auth, 'result is not allow, deny or ignore');
    if (body.username !== undefined && (typeof body.username !== 'string' || body.username === '')) {
      return this.#bad(this.#auth, 'username is not a non-empty string');
    }
    let acl: ClientAcl | undefined;
    if (body.acl !== undefined) {
      try {
        acl = compileClientAcl(body.acl);
      } catch (err) {
        return this.#bad(this.#auth, err instanceof Error ? err.message : String(err));
      }
    }
    return { result: value, username: body.username, acl };
  }

  /** The JSON object of a 2xx answer, or undefined (logged) for anything else. */
  #answerBody(result: HttpCallResult, caller: HttpCaller): Record<string, unknown> | undefined {
    if (!result.ok) return this.#bad(caller, result.error);
    if (result.status < 200 || result.status > 299) return this.#bad(caller, `HTTP status ${result.status}`);
    const body = result.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return this.#bad(caller, 'the answer is not a JSON object');
    return body as Record<string, unknown>;
  }

  #bad(caller: HttpCaller, why: string): undefined {
    this.#warning.warn(this.#logger, { hook: this.id, url: redactUrl(caller.url), error: why }, `${this.id}: service unavailable (${why})`);
    return undefined;
  }

  /**
   * Decides with the ACL the authentication answer gave this client, else asks the ACL endpoint (or its cache),
   * else defers. A failed ACL call denies.
   */
  checkAcl(client: ClientInfo, topic: string, access: AclAccess): MaybePromise<Decision> {
    const own = this.#clientAcls.get(client);
    if (own !== undefined) return checkClientAcl(own, client.id, client.username, topic, access);
    const caller = this.#acl;
    if (caller === undefined) return 'defer';
    const key = `${client.id}\u0000${client.username ?? ''}\u0000${access}\u0000${topic}`;
    const cached = this.#aclCache.get(key);
    if (cached !== undefined) return cached;
    return caller.postJson({ clientId: client.id, username: client.username ?? null, topic, access }).then((result): Decision => {
      const body = this.#answerBody(result, caller);
      if (body === undefined) return 'deny';
      const value = body.result;
      if (value !== 'allow' && value !== 'deny' && value !== 'ignore') {
        this.#bad(caller, 'result is not allow, deny or ignore');
        return 'deny';
      }
      const decision: Decision = value === 'ignore' ? 'defer' : value;
      this.#aclCache.set(key, decision);
      return decision;
    });
  }

  /** Drops the client's ACL. */
  onDisconnected(client: ClientInfo): void {
    this.#clientAcls.delete(client);
  }
}
