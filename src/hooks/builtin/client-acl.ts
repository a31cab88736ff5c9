// A per-client ACL handed out by an identity service (HTTP answer or JWT claim): `{ pub: [...], sub: [...] }`.
import type { AclAccess, Decision } from '../hook.js';
import { checkLedgerAccess, compileLedger, LedgerError } from './ledger-rules.js';
import type { CompiledLedger } from './ledger-rules.js';

/** The wire form: topic filters the client may publish to and subscribe to; `%u` = user name, `%c` = client id. */
export interface ClientAclSpec {
  pub?: string[];
  sub?: string[];
}

/** A compiled per-client ACL: one rule set per direction, each denying what it does not list. */
export interface ClientAcl {
  readonly publish: CompiledLedger;
  readonly subscribe: CompiledLedger;
}

function filters(raw: unknown, path: string): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.some((f) => typeof f !== 'string' || f === '')) {
    throw new LedgerError(path, 'must be a list of topic filters');
  }
  return raw as string[];
}

/**
 * Compiles `{ pub, sub }` with the AuthLedger's rule compiler, so filters, wildcards and `%u` / `%c`
 * substitution behave exactly as in a ledger. Publish and subscribe get separate rule sets: with one shared
 * list, a matching publish-only rule would answer a subscribe check with deny before a subscribe rule is seen.
 */
export function compileClientAcl(raw: unknown, path = 'acl'): ClientAcl {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new LedgerError(path, 'must be an object { pub?, sub? }');
  for (const key of Object.keys(raw)) {
    if (key !== 'pub' && key !== 'sub') throw new LedgerError(`${path}.${key}`, 'unknown key (expected one of pub, sub)');
  }
  const spec = raw as Record<string, unknown>;
  const pub = filters(spec.pub, `${path}.pub`);
  const sub = filters(spec.sub, `${path}.sub`);
  return {
    publish: compileLedger({ acl: pub.map((filter) => ({ filter, access: 'write' })), defaultAccess: 'deny' }),
    subscribe: compileLedger({ acl: sub.map((filter) => ({ filter, access: 'read' })), defaultAccess: 'deny' }),
  };
}

/** Decides an access with a client's own ACL: allow when a listed filter matches, deny otherwise. */
export function checkClientAcl(acl: ClientAcl, clientId: string, username: string | undefined, topic: string, access: AclAccess): Decision {
  return checkLedgerAccess(access === 'publish' ? acl.publish : acl.subscribe, clientId, username, topic, access);
}
