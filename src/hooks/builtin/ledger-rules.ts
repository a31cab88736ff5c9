// The auth ledger's data: users, auth rules and ACL rules; validation with clear paths, compilation, evaluation.
import type { PeerCertificateIdentity } from '../../listeners/listener.js';
import { coversFilter, matchesFilter, stripSharePrefix } from './acl-filter.js';
import { createCertificateMatcher } from './certificate-identity.js';
import type { CertificateMatch, CertificateMatcher } from './certificate-identity.js';
import type { AclAccess, ClientLimits, Decision } from '../hook.js';
import { checkClientLimits } from '../client-limits.js';
import { isPasswordHash } from './password-hash.js';
import { createAddressMatcher, createGlobMatcher } from './pattern.js';
import type { Matcher } from './pattern.js';
import type { ScramCredentials } from './scram-credentials.js';

/** What an ACL rule grants on the topics its filter matches. */
export type AclPermission = 'deny' | 'read' | 'write' | 'readwrite';

/** One ACL rule: a topic filter (with `%c` = client id, `%u` = user name) and what it grants. */
export interface AclRule {
  filter: string;
  access: AclPermission;
}

/** ACL rules as a list, or as a map filter → permission (evaluated in key order). */
export type AclRules = AclRule[] | Record<string, AclPermission>;

/** A user of the ledger. */
export interface LedgerUser {
  /** scrypt hash from hashPassword (`scrypt$N$r$p$salt$hash`); plain passwords are refused. */
  password?: string;
  /** SCRAM-SHA-256 credentials from createScramCredentials. */
  scram?: ScramCredentials;
  /** This user's ACL rules, checked before the global ones. */
  acl?: AclRules;
  /** Limits for this user's connections that replace the broker's (see ClientLimits). */
  limits?: ClientLimits;
}

/** An auth rule: every present condition must match; the first matching rule decides without a password check. */
export interface AuthRule {
  /** Glob for the client id. */
  clientId?: string;
  /** Glob for the user name (after any certificate override); never matches an anonymous client. */
  username?: string;
  /** CIDR block, address, or glob for the remote address. */
  remoteAddress?: string;
  /** Conditions on the verified TLS client certificate. */
  certificate?: CertificateMatch;
  /** true: let the client in without a password; false: refuse it (CONNACK 0x87). */
  allow: boolean;
}

/** Everything a ledger holds, as written in a YAML/JSON file or passed as an object. */
export interface LedgerData {
  users?: Record<string, LedgerUser>;
  auth?: AuthRule[];
  /** Global ACL rules, checked after a user's own rules. */
  acl?: AclRules;
  /** Answer when no ACL rule matches. Default: 'deny' when any ACL rule exists, else 'allow'. */
  defaultAccess?: 'allow' | 'deny' | 'defer';
}

/** A ledger that failed validation; `path` names the offending key. */
export class LedgerError extends Error {
  readonly code = 'SWIFTLET_ERR_HOOK_LEDGER_INVALID' as const;
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'LedgerError';
    this.path = path;
  }
}

/** A compiled ACL rule. */
interface CompiledAclRule {
  filter: string;
  access: AclPermission;
  /** Whether the filter needs `%c` / `%u` substitution. */
  templated: boolean;
}

/** A compiled auth rule. */
export interface CompiledAuthRule {
  readonly index: number;
  readonly allow: boolean;
  readonly clientId: Matcher | undefined;
  readonly username: Matcher | undefined;
  readonly remoteAddress: Matcher | undefined;
  readonly certificate: CertificateMatcher | undefined;
}

/** A compiled user. */
export interface CompiledUser {
  readonly password: string | undefined;
  readonly scram: ScramCredentials | undefined;
  readonly acl: readonly CompiledAclRule[];
  readonly limits: ClientLimits | undefined;
}

/** Validated, compiled ledger data; swapped as a whole on reload. */
export interface CompiledLedger {
  readonly users: ReadonlyMap<string, CompiledUser>;
  readonly auth: readonly CompiledAuthRule[];
  readonly acl: readonly CompiledAclRule[];
  readonly defaultAccess: 'allow' | 'deny' | 'defer';
}

/** Who is connecting, for auth rules. */
export interface AuthSubject {
  clientId: string;
  username: string | undefined;
  remoteAddress: string;
  certificate: PeerCertificateIdentity | undefined;
}

const PERMISSIONS: readonly string[] = ['deny', 'read', 'write', 'readwrite'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(obj: Record<string, unknown>, key: string, path: string): string | undefined {
  const value = obj[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new LedgerError(`${path}.${key}`, 'must be a non-empty string');
  return value;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) throw new LedgerError(`${path}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function validateFilter(filter: string, path: string): void {
  const levels = filter.split('/');
  levels.forEach((level, i) => {
    if (level === '#' && i !== levels.length - 1) throw new LedgerError(path, `'#' must be the last level of ${filter}`);
    if (level !== '#' && level !== '+' && (level.includes('#') || level.includes('+'))) {
      throw new LedgerError(path, `wildcards must fill a whole level in ${filter}`);
    }
  });
}

function compileAcl(raw: unknown, path: string): CompiledAclRule[] {
  if (raw === undefined) return [];
  const entries: [string, unknown, string][] = [];
  if (Array.isArray(raw)) {
    raw.forEach((rule: unknown, i) => {
      const at = `${path}[${i}]`;
      if (!isRecord(rule)) throw new LedgerError(at, 'must be an object with filter and access');
      checkKeys(rule, ['filter', 'access'], at);
      if (typeof rule.filter !== 'string' || rule.filter === '') throw new LedgerError(`${at}.filter`, 'must be a non-empty string');
      entries.push([rule.filter, rule.access, `${at}.access`]);
    });
  } else if (isRecord(raw)) {
    for (const [filter, access] of Object.entries(raw)) entries.push([filter, access, `${path}.${filter}`]);
  } else {
    throw new LedgerError(path, 'must be a list of { filter, access } or a map filter → access');
  }
  return entries.map(([filter, access, at]) => {
    if (typeof access !== 'string' || !PERMISSIONS.includes(access)) {
      throw new LedgerError(at, `must be one of ${PERMISSIONS.join(', ')}`);
    }
    validateFilter(filter, at);
    return { filter, access: access as AclPermission, templated: filter.includes('%c') || filter.includes('%u') };
  });
}

function compileScram(raw: unknown, path: string): ScramCredentials | undefined {
  if (raw === undefined) return undefined;
  if (!isRecord(raw)) throw new LedgerError(path, 'must be { salt, iterations, storedKey, serverKey }');
  checkKeys(raw, ['salt', 'iterations', 'storedKey', 'serverKey'], path);
  const salt = optionalString(raw, 'salt', path);
  const storedKey = optionalString(raw, 'storedKey', path);
  const serverKey = optionalString(raw, 'serverKey', path);
  const iterations = raw.iterations;
  if (salt === undefined || storedKey === undefined || serverKey === undefined) throw new LedgerError(path, 'needs salt, storedKey and serverKey');
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1 || iterations > 10_000_000) {
    throw new LedgerError(`${path}.iterations`, 'must be a positive integer');
  }
  return { salt, iterations, storedKey, serverKey };
}

function compileUsers(raw: unknown): Map<string, CompiledUser> {
  const users = new Map<string, CompiledUser>();
  if (raw === undefined) return users;
  if (!isRecord(raw)) throw new LedgerError('users', 'must be a map of user name → user');
  for (const [name, user] of Object.entries(raw)) {
    const at = `users.${name}`;
    if (!isRecord(user)) throw new LedgerError(at, 'must be an object');
    checkKeys(user, ['password', 'scram', 'acl', 'limits'], at);
    const password = optionalString(user, 'password', at);
    // Plain passwords in a config file are a leak waiting to happen; only hashes are accepted.
    if (password !== undefined && !isPasswordHash(password)) {
      throw new LedgerError(`${at}.password`, 'must be a scrypt hash from hashPassword (scrypt$N$r$p$salt$hash), not a plain password');
    }
    let limits: ClientLimits | undefined;
    if (user.limits !== undefined) {
      const checked = checkClientLimits(user.limits, `${at}.limits`);
      if ('error' in checked) throw new LedgerError(checked.error.path, checked.error.message);
      limits = checked.limits;
    }
    users.set(name, { password, scram: compileScram(user.scram, `${at}.scram`), acl: compileAcl(user.acl, `${at}.acl`), limits });
  }
  return users;
}

function compileMatcher(obj: Record<string, unknown>, key: string, path: string, create: (p: string) => Matcher): Matcher | undefined {
  const pattern = optionalString(obj, key, path);
  if (pattern === undefined) return undefined;
  try {
    return create(pattern);
  } catch (err) {
    throw new LedgerError(`${path}.${key}`, err instanceof Error ? err.message : String(err));
  }
}

function compileAuth(raw: unknown): CompiledAuthRule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new LedgerError('auth', 'must be a list of rules');
  return raw.map((rule: unknown, index) => {
    const at = `auth[${index}]`;
    if (!isRecord(rule)) throw new LedgerError(at, 'must be an object');
    checkKeys(rule, ['clientId', 'username', 'remoteAddress', 'certificate', 'allow'], at);
    if (typeof rule.allow !== 'boolean') throw new LedgerError(`${at}.allow`, 'must be true or false');
    let certificate: CertificateMatcher | undefined;
    if (rule.certificate !== undefined) {
      if (!isRecord(rule.certificate)) throw new LedgerError(`${at}.certificate`, 'must be { commonName?, subject?, san? }');
      checkKeys(rule.certificate, ['commonName', 'subject', 'san'], `${at}.certificate`);
      certificate = createCertificateMatcher({
        commonName: optionalString(rule.certificate, 'commonName', `${at}.certificate`),
        subject: optionalString(rule.certificate, 'subject', `${at}.certificate`),
        san: optionalString(rule.certificate, 'san', `${at}.certificate`),
      });
    }
    return {
      index,
      allow: rule.allow,
      clientId: compileMatcher(rule, 'clientId', at, createGlobMatcher),
      username: compileMatcher(rule, 'username', at, createGlobMatcher),
      remoteAddress: compileMatcher(rule, 'remoteAddress', at, createAddressMatcher),
      certificate,
    };
  });
}

/** Validates raw ledger data (e.g. parsed YAML) and compiles it; throws LedgerError naming the offending key. */
export function compileLedger(raw: unknown): CompiledLedger {
  if (raw === null || raw === undefined) raw = {};
  if (!isRecord(raw)) throw new LedgerError('(root)', 'must be an object with users, auth, acl');
  checkKeys(raw, ['users', 'auth', 'acl', 'defaultAccess'], '(root)');
  const users = compileUsers(raw.users);
  const auth = compileAuth(raw.auth);
  const acl = compileAcl(raw.acl, 'acl');
  const configured = raw.defaultAccess;
  if (configured !== undefined && configured !== 'allow' && configured !== 'deny' && configured !== 'defer') {
    throw new LedgerError('defaultAccess', "must be 'allow', 'deny' or 'defer'");
  }
  const anyAcl = acl.length > 0 || [...users.values()].some((u) => u.acl.length > 0);
  return { users, auth, acl, defaultAccess: configured ?? (anyAcl ? 'deny' : 'allow') };
}

/** The first auth rule whose conditions all match, or undefined. */
export function findAuthRule(ledger: CompiledLedger, subject: AuthSubject): CompiledAuthRule | undefined {
  for (const rule of ledger.auth) {
    if (rule.clientId !== undefined && !rule.clientId(subject.clientId)) continue;
    if (rule.username !== undefined && (subject.username === undefined || !rule.username(subject.username))) continue;
    if (rule.remoteAddress !== undefined && !rule.remoteAddress(subject.remoteAddress)) continue;
    if (rule.certificate !== undefined && !rule.certificate(subject.certificate)) continue;
    return rule;
  }
  return undefined;
}

/** Replaces `%c` / `%u`; undefined when a value is missing or could widen the filter. */
function substitute(filter: string, clientId: string, username: string | undefined): string | undefined {
  let out = filter;
  if (out.includes('%c')) {
    // A client id holding '/', '+' or '#' would otherwise reach into other clients' subtrees.
    if (clientId === '' || /[/+#]/.test(clientId)) return undefined;
    out = out.replaceAll('%c', clientId);
  }
  if (out.includes('%u')) {
    if (username === undefined || username === '' || /[/+#]/.test(username)) return undefined;
    out = out.replaceAll('%u', username);
  }
  return out;
}

function grants(permission: AclPermission, access: AclAccess): boolean {
  if (permission === 'readwrite') return true;
  if (permission === 'write') return access === 'publish';
  if (permission === 'read') return access === 'read' || access === 'subscribe';
  return false;
}

/**
 * Evaluates the ACL: the user's rules, then the global ones; the first rule whose filter matches decides.
 * Publish and read match the topic name; subscribe requires the ACL filter to cover the requested filter.
 */
export function checkLedgerAccess(
  ledger: CompiledLedger,
  clientId: string,
  username: string | undefined,
  topic: string,
  access: AclAccess,
): Decision {
  const user = username === undefined ? undefined : ledger.users.get(username);
  // Runs for every publish: without rules to evaluate, answer without allocating.
  if (ledger.acl.length === 0 && (user === undefined || user.acl.length === 0)) return ledger.defaultAccess;
  const target = access === 'subscribe' ? stripSharePrefix(topic) : topic;
  for (const rules of [user?.acl ?? [], ledger.acl]) {
    for (const rule of rules) {
      const filter = rule.templated ? substitute(rule.filter, clientId, username) : rule.filter;
      if (filter === undefined) continue;
      const hit = access === 'subscribe' ? coversFilter(filter, target) : matchesFilter(filter, target);
      if (hit) return grants(rule.access, access) ? 'allow' : 'deny';
    }
  }
  return ledger.defaultAccess;
}
