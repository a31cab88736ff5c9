// SCRAM-SHA-256 (RFC 5802 / RFC 7677) as an MQTT 5 enhanced authentication method.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ReasonCode } from '../../codec/reason-codes.js';
import type { ClientInfo, EnhancedAuthResult, EnhancedAuthStep, Hook, MaybePromise } from '../hook.js';
import { hmacSha256, sha256, SCRAM_DEFAULT_ITERATIONS } from './scram-credentials.js';
import type { ScramCredentials } from './scram-credentials.js';

/** The Authentication Method name this hook answers. */
export const SCRAM_SHA_256 = 'SCRAM-SHA-256';

/** Where ScramSha256 finds credentials: anything with getScramCredentials (an AuthLedger) or a lookup function. */
export type ScramCredentialSource =
  | { getScramCredentials(username: string): ScramCredentials | undefined }
  | ((username: string) => MaybePromise<ScramCredentials | undefined>);

/** Options of ScramSha256. */
export interface ScramSha256Options {
  /** Hook id. Default `scram-sha-256`. */
  id?: string;
  credentials: ScramCredentialSource;
}

/** Exchange state kept in `step.state` between CONNECT and the client's final AUTH. */
interface PendingExchange {
  username: string;
  nonce: string;
  gs2Header: string;
  clientFirstBare: string;
  serverFirst: string;
  credentials: ScramCredentials;
}

const STATE_KEY = 'scram-sha-256';

/**
 * Wrong proofs, unknown users and broken messages are all denied with 0x87 Not authorized: 0x86 names the User Name
 * and Password fields, which SCRAM does not use, and 0x86 may not appear in a DISCONNECT, which is how a failed
 * re-authentication ends [MQTT-4.12.0-4] [MQTT-4.12.1-2].
 */
function deny(reasonString: string): EnhancedAuthResult {
  return { decision: 'deny', reasonCode: ReasonCode.NOT_AUTHORIZED, reasonString };
}

/** Splits `k=v,k=v` into ordered pairs; undefined when an attribute is malformed. */
function parseAttributes(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  for (const part of text.split(',')) {
    if (part.length < 2 || part[1] !== '=') return undefined;
    out.push([part[0] as string, part.slice(2)]);
  }
  return out;
}

/** Decodes a saslname (`=2C` → `,`, `=3D` → `=`); undefined for any other `=` escape. */
function decodeSaslName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replaceAll('=2C', ',').replaceAll('=3D', '=');
}

/** Enhanced authentication with SCRAM-SHA-256: a two-round exchange, usable for re-authentication too. */
export class ScramSha256 implements Hook {
  readonly id: string;
  readonly #source: ScramCredentialSource;
  /** Derives stable fake salts so unknown users look like known ones (no user enumeration). */
  readonly #secret = randomBytes(32);

  constructor(options: ScramSha256Options) {
    this.id = options.id ?? 'scram-sha-256';
    this.#source = options.credentials;
  }

  /** Answers one step; defers for other methods. */
  enhancedAuth(client: ClientInfo, step: EnhancedAuthStep): MaybePromise<EnhancedAuthResult> {
    if (step.method !== SCRAM_SHA_256) return 'defer';
    const data = step.data === undefined ? '' : step.data.toString('utf8');
    const pending = step.state.get(STATE_KEY) as PendingExchange | undefined;
    // A client-first message always starts a new exchange, e.g. re-authentication after an earlier one.
    if (pending === undefined || /^[nyp][,=]/.test(data)) {
      step.state.delete(STATE_KEY);
      return this.#clientFirst(client, step, data);
    }
    step.state.delete(STATE_KEY);
    return this.#clientFinal(pending, data);
  }

  #clientFirst(client: ClientInfo, step: EnhancedAuthStep, data: string): MaybePromise<EnhancedAuthResult> {
    // gs2-header: cbind flag, authzid, then the bare message.
    const first = data.indexOf(',');
    const second = first === -1 ? -1 : data.indexOf(',', first + 1);
    if (second === -1) return deny('malformed client-first-message');
    const flag = data.slice(0, first);
    const authzid = data.slice(first + 1, second);
    if (flag !== 'n' && flag !== 'y') return deny('channel binding is not supported');
    if (authzid !== '') return deny('authorization identities are not supported');
    const gs2Header = data.slice(0, second + 1);
    const clientFirstBare = data.slice(second + 1);
    const attrs = parseAttributes(clientFirstBare);
    if (attrs === undefined || attrs[0]?.[0] !== 'n' || attrs[1]?.[0] !== 'r') return deny('malformed client-first-message');
    if (attrs.some(([k]) => k === 'm')) return deny('mandatory extensions are not supported');
    const username = decodeSaslName(attrs[0][1]);
    const clientNonce = attrs[1][1];
    if (username === undefined || username === '' || clientNonce === '') return deny('malformed client-first-message');
    // Re-authentication may refresh credentials, not switch to another identity.
    if (step.reauthenticate && client.username !== undefined && client.username !== username) {
      return deny('re-authentication must use the same user');
    }
    const found = typeof this.#source === 'function' ? this.#source(username) : this.#source.getScramCredentials(username);
    const proceed = (credentials: ScramCredentials | undefined): EnhancedAuthResult => {
      const creds = credentials ?? this.#fakeCredentials(username);
      const nonce = clientNonce + randomBytes(18).toString('base64');
      const serverFirst = `r=${nonce},s=${creds.salt},i=${creds.iterations}`;
      const exchange: PendingExchange = { username, nonce, gs2Header, clientFirstBare, serverFirst, credentials: creds };
      step.state.set(STATE_KEY, exchange);
      return { decision: 'continue', data: Buffer.from(serverFirst, 'utf8') };
    };
    if (found !== undefined && typeof (found as Promise<unknown>).then === 'function') {
      return (found as Promise<ScramCredentials | undefined>).then(proceed);
    }
    return proceed(found as ScramCredentials | undefined);
  }

  #clientFinal(pending: PendingExchange, data: string): EnhancedAuthResult {
    const proofAt = data.lastIndexOf(',p=');
    if (proofAt === -1) return deny('malformed client-final-message');
    const withoutProof = data.slice(0, proofAt);
    const attrs = parseAttributes(withoutProof);
    if (attrs === undefined || attrs[0]?.[0] !== 'c' || attrs[1]?.[0] !== 'r') return deny('malformed client-final-message');
    if (attrs[0][1] !== Buffer.from(pending.gs2Header, 'utf8').toString('base64')) return deny('channel binding mismatch');
    if (attrs[1][1] !== pending.nonce) return deny('nonce mismatch');
    const proof = Buffer.from(data.slice(proofAt + 3), 'base64');
    const storedKey = Buffer.from(pending.credentials.storedKey, 'base64');
    const authMessage = `${pending.clientFirstBare},${pending.serverFirst},${withoutProof}`;
    const clientSignature = hmacSha256(storedKey, authMessage);
    if (proof.length !== clientSignature.length) return deny('invalid proof');
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = (proof[i] as number) ^ (clientSignature[i] as number);
    const computed = sha256(clientKey);
    if (computed.length !== storedKey.length || !timingSafeEqual(computed, storedKey)) return deny('invalid proof');
    const serverSignature = hmacSha256(Buffer.from(pending.credentials.serverKey, 'base64'), authMessage);
    return { decision: 'allow', data: Buffer.from(`v=${serverSignature.toString('base64')}`, 'utf8'), username: pending.username };
  }

  #fakeCredentials(username: string): ScramCredentials {
    const salt = hmacSha256(this.#secret, `salt:${username}`).subarray(0, 16);
    return {
      salt: salt.toString('base64'),
      iterations: SCRAM_DEFAULT_ITERATIONS,
      storedKey: randomBytes(32).toString('base64'),
      serverKey: randomBytes(32).toString('base64'),
    };
  }
}
