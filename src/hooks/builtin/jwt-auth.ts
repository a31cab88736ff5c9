// JwtAuth: the password (or the 5.0 Authentication Data of method JWT) is a signed JSON Web Token.
import { createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import { ReasonCode } from '../../codec/reason-codes.js';
import type {
  AclAccess,
  AuthResult,
  ClientInfo,
  ConnectAuth,
  Decision,
  EnhancedAuthResult,
  EnhancedAuthStep,
  Hook,
  HookContext,
  HookLogger,
  MaybePromise,
} from '../hook.js';
import { checkClientAcl, compileClientAcl } from './client-acl.js';
import type { ClientAcl } from './client-acl.js';
import { redactUrl } from './http-caller.js';
import { PerConnection } from './per-connection.js';
import { ThrottledWarning } from './throttled-warning.js';

/** Options of JwtAuth; exactly one of `secret`, `publicKey` and `jwksUrl` is required. */
export interface JwtAuthOptions {
  /** Hook id. Default `jwt-auth`. */
  id?: string;
  /** Shared secret for HS256 / HS384 / HS512. */
  secret?: string | Uint8Array;
  /** PEM public key (SPKI) for RS*, PS*, ES* or EdDSA. */
  publicKey?: string;
  /** A JSON Web Key Set URL; keys are fetched, cached and re-fetched when a token names an unknown key id. */
  jwksUrl?: string;
  /** Required `iss`. */
  issuer?: string | string[];
  /** Required `aud` (one of). */
  audience?: string | string[];
  /** Accepted `alg` values. Default: every algorithm the key type supports. */
  algorithms?: string[];
  /** Claim whose value becomes the client's user name (e.g. `sub`). Default: keep the CONNECT user name. */
  usernameClaim?: string;
  /** Claim holding the client's ACL `{ pub: [...], sub: [...] }` (`%u`, `%c` substituted); absent = defer to the next hook. */
  aclClaim?: string;
  /** Leeway for `exp` and `nbf`, seconds. Default 0. */
  clockToleranceSeconds?: number;
  /** JWKS fetch deadline, ms. Default 5000. */
  timeoutMs?: number;
  /** How long a fetched key set is used before it is fetched again, seconds. Default 600. */
  jwksCacheSeconds?: number;
  /** Least time between two fetches caused by unknown key ids, seconds. Default 30. */
  jwksCooldownSeconds?: number;
  /** Authentication Method for MQTT 5 enhanced authentication and re-authentication. Default `JWT`. */
  method?: string;
  /** Logger until init() hands over the broker's. */
  logger?: HookLogger;
}

/** What a valid token granted one connection. */
interface Grant {
  acl: ClientAcl | undefined;
  /** `exp` in ms since the epoch, or undefined for a token without one. */
  expiresAt: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

/** The outcome of checking a token. */
type Verified = { ok: true; username: string | undefined; grant: Grant } | { ok: false; unavailable: boolean; why: string };

const SILENT: HookLogger = { debug() {}, info() {}, warn() {}, error() {} };
/** setTimeout's largest delay; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Three base64url parts: anything else is not a JWS in compact form and is left to the next hook. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** JWKS failures: the key service, not the client, is at fault. */
const SERVICE_ERRORS = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

/**
 * Verifies JWTs with jose (HS*, RS*, PS*, ES*, EdDSA; a secret, a PEM key or a JWKS URL with caching and key
 * rotation), checks `exp`, `nbf`, `iss` and `aud`, takes the user name and a per-client ACL from claims, and
 * closes the connection with DISCONNECT 0xA0 Maximum connect time when the token expires, unless the client
 * re-authenticated (MQTT 5 AUTH with method JWT) with a newer token first.
 * A password that is not a JWT defers to the next hook; an invalid token is refused with 0x86 (3.1.1: 4);
 * an unreachable key set with 0x88 Server unavailable (3.1.1: 3).
 */
export class JwtAuth implements Hook {
  readonly id: string;
  readonly method: string;
  readonly #key: Uint8Array | KeyObject | JWTVerifyGetKey;
  readonly #verifyOptions: JWTVerifyOptions;
  readonly #usernameClaim: string | undefined;
  readonly #aclClaim: string | undefined;
  readonly #jwksUrl: string | undefined;
  readonly #grants = new PerConnection<Grant>();
  readonly #warning = new ThrottledWarning();
  #logger: HookLogger;
  #disconnect: ((clientId: string, reasonCode: number) => boolean) | undefined;

  constructor(options: JwtAuthOptions) {
    this.id = options.id ?? 'jwt-auth';
    this.method = options.method ?? 'JWT';
    const sources = [options.secret, options.publicKey, options.jwksUrl].filter((s) => s !== undefined).length;
    if (sources !== 1) throw new TypeError('JwtAuth needs exactly one of secret, publicKey and jwksUrl');
    if (options.secret !== undefined) {
      this.#key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    } else if (options.publicKey !== undefined) {
      this.#key = createPublicKey(options.publicKey);
    } else {
      this.#jwksUrl = options.jwksUrl;
      this.#key = createRemoteJWKSet(new URL(options.jwksUrl!), {
        timeoutDuration: options.timeoutMs ?? 5000,
        cacheMaxAge: (options.jwksCacheSeconds ?? 600) * 1000,
        cooldownDuration: (options.jwksCooldownSeconds ?? 30) * 1000,
      });
    }
    this.#verifyOptions = {
      clockTolerance: options.clockToleranceSeconds ?? 0,
      ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      ...(options.algorithms === undefined ? {} : { algorithms: options.algorithms }),
    };
    this.#usernameClaim = options.usernameClaim;
    this.#aclClaim = options.aclClaim;
    this.#logger = options.logger ?? SILENT;
  }

  /** Takes the broker's logger and its way to close a connection when a token expires. */
  init(ctx: HookContext): void {
    this.#logger = ctx.logger;
    this.#disconnect = ctx.disconnectClient;
  }

  /** Cancels every expiry timer. */
  stop(): void {
    for (const grant of this.#grants.drain()) clearTimeout(grant.timer);
  }

  /** Verifies a password that looks like a JWT; anything else defers. */
  authenticate(client: ClientInfo, auth: ConnectAuth): MaybePromise<AuthResult | Decision> {
    const token = auth.password?.toString('utf8');
    if (token === undefined || !COMPACT_JWS.test(token)) return 'defer';
    return this.#verify(token, client).then((v): AuthResult => {
      if (!v.ok) return this.#refusal(v);
      this.#replace(client, v.grant);
      return v.username === undefined ? { decision: 'allow' } : { decision: 'allow', username: v.username };
    });
  }

  /** MQTT 5 enhanced authentication with this method: the Authentication Data is the token (CONNECT or re-authentication). */
  enhancedAuth(client: ClientInfo, step: EnhancedAuthStep): MaybePromise<EnhancedAuthResult> {
    if (step.method !== this.method) return 'defer';
    const token = step.data?.toString('utf8');
    if (token === undefined || !COMPACT_JWS.test(token)) {
      return { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString: 'the authentication data is not a JWT' };
    }
    return this.#verify(token, client).then((v): EnhancedAuthResult => {
      if (!v.ok) {
        const refusal = this.#refusal(v);
        // 0x86 names user name and password, which this method does not use; DISCONNECT cannot carry it either.
        // A re-authentication ends in DISCONNECT, which has no 0x88: an unreachable key set is 0x89 Server busy there.
        let reasonCode = refusal.reasonCode === ReasonCode.BAD_USER_NAME_OR_PASSWORD ? ReasonCode.NOT_AUTHORIZED : refusal.reasonCode;
        if (step.reauthenticate && reasonCode === ReasonCode.SERVER_UNAVAILABLE) reasonCode = ReasonCode.SERVER_BUSY;
        return { decision: 'deny', ...(reasonCode === undefined ? {} : { reasonCode }) };
      }
      if (!step.reauthenticate) {
        this.#replace(client, v.grant);
        return v.username === undefined ? { decision: 'allow' } : { decision: 'allow', username: v.username };
      }
      // The user name cannot change on a live connection: a token for someone else does not re-authenticate it.
      if (v.username !== undefined && v.username !== client.username) {
        return { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString: 'the token names another user' };
      }
      this.#replace(client, v.grant);
      this.#arm(client, v.grant);
      return { decision: 'allow' };
    });
  }

  /** The connection is up: start the expiry timer of its token, and forget a grant of an older connection. */
  onConnected(client: ClientInfo): void {
    const grant = this.#grants.get(client);
    if (grant === undefined) {
      const stale = this.#grants.deleteOther(client);
      if (stale !== undefined) clearTimeout(stale.timer);
      return;
    }
    this.#arm(client, grant);
  }

  /** Cancels the connection's expiry timer. */
  onDisconnected(client: ClientInfo): void {
    const grant = this.#grants.delete(client);
    if (grant !== undefined) clearTimeout(grant.timer);
  }

  /** Decides with the token's ACL claim; defers when the token had none. */
  checkAcl(client: ClientInfo, topic: string, access: AclAccess): Decision {
    const acl = this.#grants.get(client)?.acl;
    return acl === undefined ? 'defer' : checkClientAcl(acl, client.id, client.username, topic, access);
  }

  #replace(client: ClientInfo, grant: Grant): void {
    const previous = this.#grants.set(client, grant);
    if (previous !== undefined) clearTimeout(previous.timer);
  }

  #arm(client: ClientInfo, grant: Grant): void {
    clearTimeout(grant.timer);
    grant.timer = undefined;
    if (grant.expiresAt === undefined) return;
    const wait = Math.max(0, Math.min(grant.expiresAt - Date.now(), MAX_TIMER_MS));
    grant.timer = setTimeout(() => {
      grant.timer = undefined;
      if (this.#grants.get(client) !== grant) return;
      if (grant.expiresAt !== undefined && grant.expiresAt > Date.now()) {
        this.#arm(client, grant);
        return;
      }
      this.#grants.delete(client);
      this.#logger.info({ hook: this.id, clientId: client.id }, 'token expired, closing the connection');
      this.#disconnect?.(client.id, ReasonCode.MAXIMUM_CONNECT_TIME);
    }, wait);
    // An expiry timer alone must not keep the process alive.
    grant.timer.unref();
  }

  async #verify(token: string, client: ClientInfo): Promise<Verified> {
    let payload: JWTPayload;
    try {
      // jwtVerify's overloads take either a key or a key-getting function; both are valid here.
      payload = (await jwtVerify(token, this.#key as Uint8Array, this.#verifyOptions)).payload;
    } catch (err) {
      return this.#failure(err);
    }
    let username: string | undefined;
    if (this.#usernameClaim !== undefined) {
      const value = payload[this.#usernameClaim];
      if (typeof value !== 'string' || value === '') return { ok: false, unavailable: false, why: `claim ${this.#usernameClaim} is not a non-empty string` };
      username = value;
    }
    let acl: ClientAcl | undefined;
    if (this.#aclClaim !== undefined && payload[this.#aclClaim] !== undefined) {
      try {
        acl = compileClientAcl(payload[this.#aclClaim], this.#aclClaim);
      } catch (err) {
        return { ok: false, unavailable: false, why: err instanceof Error ? err.message : String(err) };
      }
    }
    const expiresAt = typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
    this.#logger.debug({ hook: this.id, clientId: client.id }, 'token verified');
    return { ok: true, username, grant: { acl, expiresAt, timer: undefined } };
  }

  #failure(err: unknown): Verified {
    const code = (err as { code?: unknown } | null)?.code;
    const jose = typeof code === 'string' && code.startsWith('ERR_');
    const unavailable = this.#jwksUrl !== undefined && (jose ? SERVICE_ERRORS.has(code) : true);
    const why = err instanceof Error ? err.message : String(err);
    if (unavailable) {
      this.#warning.warn(this.#logger, { hook: this.id, url: redactUrl(this.#jwksUrl), error: why }, `${this.id}: key set unavailable (${why})`);
    }
    return { ok: false, unavailable, why };
  }

  #refusal(v: { unavailable: boolean; why: string }): AuthResult & { decision: 'deny' } {
    if (v.unavailable) return { decision: 'deny', reasonCode: ReasonCode.SERVER_UNAVAILABLE, reasonString: 'key service unavailable' };
    return { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD, reasonString: 'invalid token' };
  }
}
