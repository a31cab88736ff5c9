// Which node owns each session, kept in Redis and changed only by Lua scripts (atomic on the server):
//   <p>owner:<clientId>   the id of the node that holds the session (connected there, or offline and queueing there)
//   <p>owned:<node>       set of the client ids a node owns (what a node loads at start, what is adopted when it dies)
//   <p>claim:<node>       the node adopting <node>'s sessions, or <node> itself while it starts (SET NX, expires)
import type { Redis as RedisClient } from 'ioredis';
import type { Claim } from './bus.js';

// KEYS: owner:<id>, owned:<me>. ARGV: me, id, liveness key prefix. Claims a free (or already own) session; otherwise
// returns the owner and whether its liveness key exists.
const CLAIM = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('SADD', KEYS[2], ARGV[2])
  return {1, cur or ''}
end
return {0, cur, redis.call('EXISTS', ARGV[3] .. cur)}
`;

// KEYS: owner:<id>, owned:<from>, owned:<to>. ARGV: from, id, to. Hands a session from one node to another, unless a
// third node has claimed it meanwhile.
const TRANSFER = `
local cur = redis.call('GET', KEYS[1])
if (not cur) or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[3])
  redis.call('SREM', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
  return 1
end
return 0
`;

// KEYS: owner:<id>, owned:<me>. ARGV: me, id. The session ended here: it has no owner any more.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('SREM', KEYS[2], ARGV[2])
return 1
`;

// KEYS: owned:<dead>, owned:<me>. ARGV: dead, me, owner key prefix. Moves every session the dead node owned to me.
const ADOPT = `
local moved = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local k = ARGV[3] .. id
  if redis.call('GET', k) == ARGV[1] then
    redis.call('SET', k, ARGV[2])
    redis.call('SADD', KEYS[2], id)
    moved[#moved + 1] = id
  end
end
redis.call('DEL', KEYS[1])
return moved
`;

/** The session ownership records of one cluster (key prefix `prefix`). */
export class SessionDirectory {
  readonly #redis: RedisClient;
  readonly #p: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#p = prefix;
  }

  ownerKey(clientId: string): string {
    return `${this.#p}owner:${clientId}`;
  }
  ownedKey(node: string): string {
    return `${this.#p}owned:${node}`;
  }
  claimKey(node: string): string {
    return `${this.#p}claim:${node}`;
  }

  async claim(me: string, clientId: string): Promise<Claim> {
    const r = (await this.#redis.eval(CLAIM, 2, this.ownerKey(clientId), this.ownedKey(me), me, clientId, `${this.#p}node:`)) as [number, string, number?];
    if (r[0] === 1) return { claimed: true, previous: r[1] === '' ? null : r[1] };
    return { claimed: false, owner: r[1], alive: r[2] === 1 };
  }

  async transfer(from: string, clientId: string, to: string): Promise<boolean> {
    return (await this.#redis.eval(TRANSFER, 3, this.ownerKey(clientId), this.ownedKey(from), this.ownedKey(to), from, clientId, to)) === 1;
  }

  async release(me: string, clientId: string): Promise<void> {
    await this.#redis.eval(RELEASE, 2, this.ownerKey(clientId), this.ownedKey(me), me, clientId);
  }

  /** Moves the dead node's sessions to `me`; returns their client ids. */
  async adopt(dead: string, me: string): Promise<string[]> {
    return (await this.#redis.eval(ADOPT, 2, this.ownedKey(dead), this.ownedKey(me), dead, me, `${this.#p}owner:`)) as string[];
  }

  /** The client ids `node` owns. */
  async owned(node: string): Promise<string[]> {
    return this.#redis.smembers(this.ownedKey(node));
  }

  /** Takes the claim on `node` (adoption, or the node's own start) for `ttlMs`; false when another holds it. */
  async takeClaim(node: string, by: string, ttlMs: number): Promise<boolean> {
    if ((await this.#redis.set(this.claimKey(node), by, 'PX', ttlMs, 'NX')) === 'OK') return true;
    // Its own claim, left by a run of this node that ended before dropping it.
    return (await this.#redis.get(this.claimKey(node))) === by && (await this.#redis.pexpire(this.claimKey(node), ttlMs)) === 1;
  }

  async dropClaim(node: string, by: string): Promise<void> {
    if ((await this.#redis.get(this.claimKey(node))) === by) await this.#redis.del(this.claimKey(node));
  }

  async claimed(node: string): Promise<boolean> {
    return (await this.#redis.exists(this.claimKey(node))) === 1;
  }
}
