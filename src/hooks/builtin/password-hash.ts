// Password hashing for the auth ledger: scrypt from node:crypto, stored as a self-describing string.
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import type { ScryptOptions } from 'node:crypto';

/** Tunables for hashPassword; defaults N=16384, r=8, p=1 (about 16 MiB and tens of ms per hash). */
export interface PasswordHashOptions {
  /** CPU/memory cost, a power of two. Default 16384. */
  cost?: number;
  /** Block size. Default 8. */
  blockSize?: number;
  /** Parallelism. Default 1. */
  parallelization?: number;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
// Refuse parameters that would let a tampered ledger make each login burn seconds or gigabytes.
const MAX_COST = 1 << 20;

/** A parsed `scrypt$N$r$p$salt$hash` string. */
interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scryptParams(N: number, r: number, p: number): ScryptOptions {
  // maxmem must exceed 128 * N * r or node refuses the call.
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

function resolve(options: PasswordHashOptions | undefined): [number, number, number] {
  const N = options?.cost ?? 16384;
  const r = options?.blockSize ?? 8;
  const p = options?.parallelization ?? 1;
  if (N < 2 || N > MAX_COST || (N & (N - 1)) !== 0) throw new RangeError('scrypt cost must be a power of two up to 2^20');
  return [N, r, p];
}

function format(N: number, r: number, p: number, salt: Buffer, hash: Buffer): string {
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Parses a stored hash; returns undefined when it is not a well-formed scrypt string. */
function parseHash(encoded: string): ParsedHash | undefined {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const N = Number(parts[1]);
  const r = Number(parts[2]);
  const p = Number(parts[3]);
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p)) return undefined;
  if (N < 2 || N > MAX_COST || (N & (N - 1)) !== 0 || r < 1 || r > 32 || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length === 0 || hash.length === 0) return undefined;
  return { N, r, p, salt, hash };
}

/** True when the string looks like a hash this module can verify. */
export function isPasswordHash(encoded: string): boolean {
  return parseHash(encoded) !== undefined;
}

/** Hashes a password with scrypt and a random salt; resolves to `scrypt$N$r$p$salt$hash` (base64 parts). */
export function hashPassword(plain: string | Buffer, options?: PasswordHashOptions): Promise<string> {
  const [N, r, p] = resolve(options);
  const salt = randomBytes(SALT_LENGTH);
  return new Promise((done, fail) => {
    scrypt(plain, salt, KEY_LENGTH, scryptParams(N, r, p), (err, key) => {
      if (err !== null) fail(err);
      else done(format(N, r, p, salt, key));
    });
  });
}

/** Synchronous hashPassword, for tooling and tests; blocks the event loop for the whole hash. */
export function hashPasswordSync(plain: string | Buffer, options?: PasswordHashOptions): string {
  const [N, r, p] = resolve(options);
  const salt = randomBytes(SALT_LENGTH);
  return format(N, r, p, salt, scryptSync(plain, salt, KEY_LENGTH, scryptParams(N, r, p)));
}

const UNMATCHABLE_SALT = Buffer.from('swiftlet-no-user').toString('base64');
const UNMATCHABLE_KEY = Buffer.alloc(KEY_LENGTH).toString('base64');

/**
 * A well-formed hash with the cost parameters of `like` (default ones when it is not a hash) that no password matches
 * (its key is not the scrypt of anything one can find): verifying against it costs what verifying against `like`
 * costs, so an unknown user name can be refused after the same work as a wrong password.
 */
export function unmatchableHashLike(like: string | undefined): string {
  const parsed = like === undefined ? undefined : parseHash(like);
  const [N, r, p] = parsed === undefined ? resolve(undefined) : [parsed.N, parsed.r, parsed.p];
  return `scrypt$${N}$${r}$${p}$${UNMATCHABLE_SALT}$${UNMATCHABLE_KEY}`;
}

/** Checks a password against a stored hash in constant time; false for a malformed hash. */
export function verifyPassword(plain: string | Buffer, encoded: string): Promise<boolean> {
  const parsed = parseHash(encoded);
  if (parsed === undefined) return Promise.resolve(false);
  return new Promise((done) => {
    scrypt(plain, parsed.salt, parsed.hash.length, scryptParams(parsed.N, parsed.r, parsed.p), (err, key) => {
      done(err === null && key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash));
    });
  });
}
