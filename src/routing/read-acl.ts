// The read ACL on delivery: checkAcl(client, topic, 'read') per receiving session, cached per (session, topic).
import type { ClientInfo } from '../hooks/hook.js';
import type { HookChain } from '../hooks/hook-chain.js';
import type { Session } from '../session/session.js';

/**
 * Most topics whose read answer one session keeps; the cache starts over when it is full, so memory stays
 * bounded by sessions × this, however many topics a wildcard subscriber sees.
 */
export const READ_ACL_CACHE_TOPICS = 256;

/**
 * May `session`'s client (connected as `client`) receive messages on `topic`? Always for the broker's in-process
 * clients (`client.inline`). true or false when known now, a Promise
 * while a hook answers asynchronously (every later asker gets the same Promise; the answer is cached when it settles).
 * The cache holds for one ClientInfo (a reconnect or re-authentication asks again) and one hook generation
 * (a hook added or removed, or a hook's invalidateAclCache(), asks again).
 */
export function readAccess(hooks: HookChain, session: Session, client: ClientInfo, topic: string): boolean | Promise<boolean> {
  // The broker's own in-process clients (a bridge's local side) are not subject to client ACLs, as on publish and subscribe.
  if (client.inline) return true;
  let cache = session.readAcl;
  if (cache === null || session.readAclClient !== client || session.readAclGeneration !== hooks.aclGeneration) {
    cache = session.readAcl = new Map();
    session.readAclClient = client;
    session.readAclGeneration = hooks.aclGeneration;
  } else {
    const known = cache.get(topic);
    if (known !== undefined) return known;
    if (cache.size >= READ_ACL_CACHE_TOPICS) cache.clear();
  }
  const answer = hooks.runCheckAcl(client, topic, 'read');
  if (answer === true || answer === false) {
    cache.set(topic, answer);
    return answer;
  }
  const map = cache;
  // runCheckAcl never rejects: a failing hook is a deny.
  const pending: Promise<boolean> = answer.then((allowed) => {
    // Kept only if nothing invalidated the cache meanwhile.
    if (session.readAcl === map && map.get(topic) === pending) map.set(topic, allowed);
    return allowed;
  });
  map.set(topic, pending);
  return pending;
}
