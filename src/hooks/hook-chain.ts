// The hook chain: compiled once per add/remove into one array per event (null when empty), plus the runners.
import type { ConnectPacket, Packet, PublishPacket, SubscriptionRequest, Will } from '../codec/types.js';
import { ReasonCode } from '../codec/reason-codes.js';
import type { ConnectionMeta } from '../listeners/listener.js';
import { HOOK_EVENTS, HookRejection, REJECT } from './hook.js';
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
  HookEvent,
  HookFunction,
  HookLogger,
  MaybePromise,
  NotifyEvent,
  SubscriberSelection,
} from './hook.js';

/** Events compiled into per-event arrays (init and stop run through `init()` / `stop()`). */
type CompiledEvent = Exclude<HookEvent, 'init' | 'stop'>;

const COMPILED_EVENTS: readonly CompiledEvent[] = HOOK_EVENTS.filter(
  (e): e is CompiledEvent => e !== 'init' && e !== 'stop',
);

type AnyFn = (...args: never[]) => unknown;
type Transform<A, V> = (a: A, v: V) => MaybePromise<V | typeof REJECT | undefined>;
type Decide<A, B, C, R> = (a: A, b: B, c: C) => MaybePromise<R>;

/** True for anything with a callable `then`: the only case where a runner goes async. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function errorOf(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

/** Maps an authenticate answer to a result, or null for 'defer'; anything malformed counts as deny. */
function toAuthResult(value: Decision | AuthResult): AuthResult | null {
  if (value === 'allow' || value === 'deny') return { decision: value };
  if (value === 'defer') return null;
  if (typeof value === 'object' && value !== null) {
    if (value.decision === 'defer') return null;
    // Copy so a hook cannot mutate the result after answering; unknown decisions fail closed.
    return { ...value, decision: value.decision === 'allow' ? 'allow' : 'deny' };
  }
  return { decision: 'deny' };
}

function toAclResult(value: Decision): boolean | null {
  if (value === 'defer') return null;
  return value === 'allow';
}

function toEnhancedResult(value: EnhancedAuthResult): EnhancedAuthResult | null {
  if (value === 'defer') return null;
  if (typeof value === 'object' && value !== null) {
    if (value.decision === 'allow' || value.decision === 'continue' || value.decision === 'deny') return value;
  }
  return { decision: 'deny' };
}

function denyAuth(): AuthResult {
  return { decision: 'deny' };
}
function denyAcl(): boolean {
  return false;
}
function denyEnhanced(): EnhancedAuthResult {
  return { decision: 'deny', reasonCode: ReasonCode.BAD_AUTHENTICATION_METHOD };
}

/**
 * The ordered list of hooks, compiled into one array of bound functions per event.
 * Call sites test `chain.onPublish !== null` before calling a runner, so an unused event costs one comparison.
 */
export class HookChain {
  /** Compiled `authenticate` functions, null when no hook implements it. */
  readonly authenticate: HookFunction<'authenticate'>[] | null = null;
  /** Compiled `checkAcl` functions, null when no hook implements it. */
  readonly checkAcl: HookFunction<'checkAcl'>[] | null = null;
  /** Compiled `enhancedAuth` functions, null when no hook implements it. */
  readonly enhancedAuth: HookFunction<'enhancedAuth'>[] | null = null;
  /** Compiled `onAccept` functions, null when no hook implements it. */
  readonly onAccept: HookFunction<'onAccept'>[] | null = null;
  /** Compiled `onConnect` functions, null when no hook implements it. */
  readonly onConnect: HookFunction<'onConnect'>[] | null = null;
  /** Compiled `onPacketRead` functions, null when no hook implements it. */
  readonly onPacketRead: HookFunction<'onPacketRead'>[] | null = null;
  /** Compiled `onPacketEncode` functions, null when no hook implements it. */
  readonly onPacketEncode: HookFunction<'onPacketEncode'>[] | null = null;
  /** Compiled `onPublish` functions, null when no hook implements it. */
  readonly onPublish: HookFunction<'onPublish'>[] | null = null;
  /** Compiled `onSubscribe` functions, null when no hook implements it. */
  readonly onSubscribe: HookFunction<'onSubscribe'>[] | null = null;
  /** Compiled `onUnsubscribe` functions, null when no hook implements it. */
  readonly onUnsubscribe: HookFunction<'onUnsubscribe'>[] | null = null;
  /** Compiled `onWill` functions, null when no hook implements it. */
  readonly onWill: HookFunction<'onWill'>[] | null = null;
  /** Compiled `onSelectSubscribers` functions, null when no hook implements it. */
  readonly onSelectSubscribers: HookFunction<'onSelectSubscribers'>[] | null = null;
  /** Compiled `onStarted` functions, null when no hook implements it. */
  readonly onStarted: HookFunction<'onStarted'>[] | null = null;
  /** Compiled `onStopped` functions, null when no hook implements it. */
  readonly onStopped: HookFunction<'onStopped'>[] | null = null;
  /** Compiled `onConnected` functions, null when no hook implements it. */
  readonly onConnected: HookFunction<'onConnected'>[] | null = null;
  /** Compiled `onSessionCreated` functions, null when no hook implements it. */
  readonly onSessionCreated: HookFunction<'onSessionCreated'>[] | null = null;
  /** Compiled `onSessionResumed` functions, null when no hook implements it. */
  readonly onSessionResumed: HookFunction<'onSessionResumed'>[] | null = null;
  /** Compiled `onSessionExpired` functions, null when no hook implements it. */
  readonly onSessionExpired: HookFunction<'onSessionExpired'>[] | null = null;
  /** Compiled `onSessionTerminated` functions, null when no hook implements it. */
  readonly onSessionTerminated: HookFunction<'onSessionTerminated'>[] | null = null;
  /** Compiled `onDisconnected` functions, null when no hook implements it. */
  readonly onDisconnected: HookFunction<'onDisconnected'>[] | null = null;
  /** Compiled `onSubscribed` functions, null when no hook implements it. */
  readonly onSubscribed: HookFunction<'onSubscribed'>[] | null = null;
  /** Compiled `onUnsubscribed` functions, null when no hook implements it. */
  readonly onUnsubscribed: HookFunction<'onUnsubscribed'>[] | null = null;
  /** Compiled `onPublished` functions, null when no hook implements it. */
  readonly onPublished: HookFunction<'onPublished'>[] | null = null;
  /** Compiled `onMessageDelivered` functions, null when no hook implements it. */
  readonly onMessageDelivered: HookFunction<'onMessageDelivered'>[] | null = null;
  /** Compiled `onMessageDropped` functions, null when no hook implements it. */
  readonly onMessageDropped: HookFunction<'onMessageDropped'>[] | null = null;
  /** Compiled `onRetainedStored` functions, null when no hook implements it. */
  readonly onRetainedStored: HookFunction<'onRetainedStored'>[] | null = null;
  /** Compiled `onRetainedCleared` functions, null when no hook implements it. */
  readonly onRetainedCleared: HookFunction<'onRetainedCleared'>[] | null = null;
  /** Compiled `onRetainedExpired` functions, null when no hook implements it. */
  readonly onRetainedExpired: HookFunction<'onRetainedExpired'>[] | null = null;
  /** Compiled `onRetainedDelivered` functions, null when no hook implements it. */
  readonly onRetainedDelivered: HookFunction<'onRetainedDelivered'>[] | null = null;
  /** Compiled `onQosStarted` functions, null when no hook implements it. */
  readonly onQosStarted: HookFunction<'onQosStarted'>[] | null = null;
  /** Compiled `onQosCompleted` functions, null when no hook implements it. */
  readonly onQosCompleted: HookFunction<'onQosCompleted'>[] | null = null;
  /** Compiled `onQosDropped` functions, null when no hook implements it. */
  readonly onQosDropped: HookFunction<'onQosDropped'>[] | null = null;
  /** Compiled `onPacketProcessed` functions, null when no hook implements it. */
  readonly onPacketProcessed: HookFunction<'onPacketProcessed'>[] | null = null;
  /** Compiled `onPacketSent` functions, null when no hook implements it. */
  readonly onPacketSent: HookFunction<'onPacketSent'>[] | null = null;
  /** Compiled `onWillSent` functions, null when no hook implements it. */
  readonly onWillSent: HookFunction<'onWillSent'>[] | null = null;
  /** Compiled `onSysTick` functions, null when no hook implements it. */
  readonly onSysTick: HookFunction<'onSysTick'>[] | null = null;
  /** Compiled `onError` functions, null when no hook implements it. */
  readonly onError: HookFunction<'onError'>[] | null = null;
  /** True when a hook implements onPacketEncode or onPacketSent: outbound packets then take the per-packet path. */
  readonly outboundPackets: boolean = false;
  /**
   * Changes whenever checkAcl answers may have changed (a hook added or removed, invalidateAclCache()):
   * cached read answers from another generation are stale.
   */
  aclGeneration = 0;
  #hooks: Hook[] = [];
  #frozen: readonly Hook[] = Object.freeze([]);
  /** Hook ids per event, replaced together with the function arrays so a runner's snapshot stays consistent. */
  #ids = new Map<CompiledEvent, string[]>();
  readonly #logger: HookLogger;

  constructor(logger: HookLogger) {
    this.#logger = logger;
  }

  /** The hooks in registration order. */
  get hooks(): readonly Hook[] {
    return this.#frozen;
  }

  /**
   * Appends a hook, or inserts it just before the hook with id `before` (appended when there is none);
   * throws when its id is already registered.
   */
  add(hook: Hook, before?: string): void {
    if (typeof hook.id !== 'string' || hook.id === '') throw new TypeError('a hook needs a non-empty string id');
    if (this.#hooks.some((h) => h.id === hook.id)) throw new Error(`duplicate hook id: ${hook.id}`);
    const index = before === undefined ? -1 : this.#hooks.findIndex((h) => h.id === before);
    if (index === -1) this.#hooks.push(hook);
    else this.#hooks.splice(index, 0, hook);
    this.#compile();
  }

  /** Removes the hook with this id; returns false when there was none. */
  remove(id: string): boolean {
    const index = this.#hooks.findIndex((h) => h.id === id);
    if (index === -1) return false;
    this.#hooks.splice(index, 1);
    this.#compile();
    return true;
  }

  /** Runs every hook's init in registration order, awaited; an init failure rejects (the broker must not start). */
  async init(ctx: HookContext): Promise<void> {
    for (const hook of [...this.#hooks]) {
      if (hook.init !== undefined) await hook.init(ctx);
    }
  }

  /** Runs every hook's stop in reverse order, awaited; failures are logged, never thrown. */
  async stop(): Promise<void> {
    const hooks = [...this.#hooks].reverse();
    for (const hook of hooks) {
      if (hook.stop === undefined) continue;
      try {
        await hook.stop();
      } catch (err) {
        this.#hookFailed(hook.id, 'stop', err, undefined);
      }
    }
  }

  #compile(): void {
    const self = this as unknown as Record<CompiledEvent, AnyFn[] | null>;
    for (const event of COMPILED_EVENTS) {
      const fns: AnyFn[] = [];
      const ids: string[] = [];
      for (const hook of this.#hooks) {
        // Reflect.get reads the method without detaching it from its hook; bind keeps `this` for the call.
        const fn: unknown = Reflect.get(hook, event);
        if (typeof fn === 'function') {
          fns.push(timed((fn as AnyFn).bind(hook), this.#timing(hook.id, event)));
          ids.push(hook.id);
        }
      }
      self[event] = fns.length === 0 ? null : fns;
      this.#ids.set(event, ids);
    }
    (this as { outboundPackets: boolean }).outboundPackets = this.onPacketEncode !== null || this.onPacketSent !== null;
    this.aclGeneration++;
    this.#frozen = Object.freeze([...this.#hooks]);
  }

  /** Drops every cached read answer (a hook's ACL rules changed). */
  invalidateAclCache(): void {
    this.aclGeneration++;
  }

  readonly #timings = new Map<string, HookTiming>();

  #timing(hookId: string, event: string): HookTiming {
    const key = `${hookId}\u0000${event}`;
    let t = this.#timings.get(key);
    if (t === undefined) {
      t = { hook: hookId, event, calls: 0, sampled: 0, sampledSeconds: 0 };
      this.#timings.set(key, t);
    }
    return t;
  }

  /**
   * Calls per hook and event, and the time spent in them (synchronous part), estimated from one call in
   * TIMING_SAMPLE so measuring costs next to nothing on the hot path. Survives recompiles.
   */
  timings(): { hook: string; event: string; calls: number; seconds: number }[] {
    const out = [];
    for (const t of this.#timings.values()) {
      const seconds = t.sampled === 0 ? 0 : (t.sampledSeconds / t.sampled) * t.calls;
      out.push({ hook: t.hook, event: t.event, calls: t.calls, seconds });
    }
    return out;
  }

  #idsOf(event: CompiledEvent): string[] {
    return this.#ids.get(event) ?? [];
  }

  /** Logs a hook failure with the hook id and forwards it to onError hooks; never throws. */
  #hookFailed(hookId: string | undefined, event: string, err: unknown, clientId: string | undefined): void {
    const error = errorOf(err);
    try {
      this.#logger.error({ hook: hookId, event, clientId, err: error }, `hook ${hookId ?? '?'} failed in ${event}`);
    } catch {
      // A broken logger must not turn a hook failure into a broker failure.
    }
    if (event !== 'onError' && this.onError !== null) {
      const context = clientId === undefined ? { where: `hook:${hookId ?? '?'}:${event}` } : { clientId, where: `hook:${hookId ?? '?'}:${event}` };
      this.notify('onError', error, context);
    }
  }

  // ---- decide ----

  /**
   * Runs authenticate hooks: the first non-'defer' answer wins, all 'defer' = deny, a throwing hook = deny (logged).
   * With no authenticate hook at all the answer is allow: an embedded broker without auth configured is open
   * (the CLI always configures an auth hook).
   */
  runAuthenticate(client: ClientInfo, auth: ConnectAuth): MaybePromise<AuthResult> {
    const fns = this.authenticate;
    if (fns === null) return { decision: 'allow' };
    return this.#decide('authenticate', fns, this.#idsOf('authenticate'), 0, client, auth, undefined, toAuthResult, denyAuth);
  }

  /** Runs checkAcl hooks with the same rule; true = allowed. No checkAcl hook at all = allowed. */
  runCheckAcl(client: ClientInfo, topic: string, access: AclAccess): MaybePromise<boolean> {
    const fns = this.checkAcl;
    if (fns === null) return true;
    return this.#decide('checkAcl', fns, this.#idsOf('checkAcl'), 0, client, topic, access, toAclResult, denyAcl);
  }

  /** Runs enhancedAuth hooks: first non-'defer' wins; all defer (nobody knows the method) = deny 0x8C bad authentication method. */
  runEnhancedAuth(client: ClientInfo, step: EnhancedAuthStep): MaybePromise<EnhancedAuthResult> {
    const fns = this.enhancedAuth;
    if (fns === null) return denyEnhanced();
    return this.#decide('enhancedAuth', fns, this.#idsOf('enhancedAuth'), 0, client, step, undefined, toEnhancedResult, denyEnhanced);
  }

  #decide<A, B, C, R, O>(
    event: CompiledEvent,
    fns: readonly Decide<A, B, C, R>[],
    ids: readonly string[],
    start: number,
    a: A,
    b: B,
    c: C,
    convert: (value: R) => O | null,
    deny: () => O,
  ): MaybePromise<O> {
    const clientId = (a as { id?: string } | null)?.id;
    for (let i = start; i < fns.length; i++) {
      const fn = fns[i] as Decide<A, B, C, R>;
      let answer: MaybePromise<R>;
      try {
        answer = fn(a, b, c);
      } catch (err) {
        this.#hookFailed(ids[i], event, err, clientId);
        return deny();
      }
      if (isThenable(answer)) {
        return Promise.resolve(answer).then(
          (value) => convert(value) ?? this.#decide(event, fns, ids, i + 1, a, b, c, convert, deny),
          (err: unknown) => {
            this.#hookFailed(ids[i], event, err, clientId);
            return deny();
          },
        );
      }
      const result = convert(answer);
      if (result !== null) return result;
    }
    return deny();
  }

  // ---- transform ----

  /** Runs onAccept hooks in order; the first false refuses the stream. Errors follow the transform rule. */
  runOnAccept(meta: ConnectionMeta): MaybePromise<boolean> {
    const fns = this.onAccept;
    if (fns === null) return true;
    return this.#accept(fns, this.#idsOf('onAccept'), 0, meta);
  }

  #accept(fns: readonly HookFunction<'onAccept'>[], ids: readonly string[], start: number, meta: ConnectionMeta): MaybePromise<boolean> {
    for (let i = start; i < fns.length; i++) {
      const fn = fns[i] as HookFunction<'onAccept'>;
      let answer: MaybePromise<boolean | undefined>;
      try {
        answer = fn(meta);
      } catch (err) {
        throw this.#transformError(ids[i], 'onAccept', err, undefined);
      }
      if (isThenable(answer)) {
        return Promise.resolve(answer).then(
          (value) => (value === false ? false : this.#accept(fns, ids, i + 1, meta)),
          (err: unknown) => {
            throw this.#transformError(ids[i], 'onAccept', err, undefined);
          },
        );
      }
      if (answer === false) return false;
    }
    return true;
  }

  /** Threads a CONNECT through onConnect hooks; HookRejection carries the CONNACK reason code. */
  runOnConnect(client: ClientInfo, packet: ConnectPacket): MaybePromise<ConnectPacket> {
    const fns = this.onConnect;
    if (fns === null) return packet;
    return this.#transform('onConnect', fns, this.#idsOf('onConnect'), 0, client, packet) as MaybePromise<ConnectPacket>;
  }

  /** Threads a PUBLISH through onPublish hooks; REJECT means drop silently (still acknowledged per QoS). */
  runOnPublish(client: ClientInfo | null, packet: PublishPacket): MaybePromise<PublishPacket | typeof REJECT> {
    const fns = this.onPublish;
    if (fns === null) return packet;
    return this.#transform('onPublish', fns, this.#idsOf('onPublish'), 0, client, packet);
  }

  /** Threads requested subscriptions through onSubscribe hooks. */
  runOnSubscribe(client: ClientInfo, subscriptions: SubscriptionRequest[]): MaybePromise<SubscriptionRequest[]> {
    const fns = this.onSubscribe;
    if (fns === null) return subscriptions;
    return this.#transform('onSubscribe', fns, this.#idsOf('onSubscribe'), 0, client, subscriptions) as MaybePromise<SubscriptionRequest[]>;
  }

  /** Threads unsubscribe filters through onUnsubscribe hooks. */
  runOnUnsubscribe(client: ClientInfo, topics: string[]): MaybePromise<string[]> {
    const fns = this.onUnsubscribe;
    if (fns === null) return topics;
    return this.#transform('onUnsubscribe', fns, this.#idsOf('onUnsubscribe'), 0, client, topics) as MaybePromise<string[]>;
  }

  /** Threads a will through onWill hooks; REJECT means the will is not published. */
  runOnWill(client: ClientInfo, will: Will): MaybePromise<Will | typeof REJECT> {
    const fns = this.onWill;
    if (fns === null) return will;
    return this.#transform('onWill', fns, this.#idsOf('onWill'), 0, client, will);
  }

  #transform<A, V>(
    event: CompiledEvent,
    fns: readonly Transform<A, V>[],
    ids: readonly string[],
    start: number,
    a: A,
    value: V,
  ): MaybePromise<V | typeof REJECT> {
    const clientId = (a as { id?: string } | null)?.id;
    let current = value;
    for (let i = start; i < fns.length; i++) {
      const fn = fns[i] as Transform<A, V>;
      let answer: MaybePromise<V | typeof REJECT | undefined>;
      try {
        answer = fn(a, current);
      } catch (err) {
        throw this.#transformError(ids[i], event, err, clientId);
      }
      if (isThenable(answer)) {
        const before = current;
        return Promise.resolve(answer).then(
          (next) => (next === REJECT ? REJECT : this.#transform(event, fns, ids, i + 1, a, next === undefined ? before : next)),
          (err: unknown) => {
            throw this.#transformError(ids[i], event, err, clientId);
          },
        );
      }
      if (answer === REJECT) return REJECT;
      if (answer !== undefined) current = answer;
    }
    return current;
  }

  /** HookRejection passes through untouched; anything else is logged and becomes 0x83 implementation specific error. */
  #transformError(hookId: string | undefined, event: string, err: unknown, clientId: string | undefined): HookRejection {
    if (err instanceof HookRejection) return err;
    this.#hookFailed(hookId, event, err, clientId);
    return new HookRejection(ReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, `hook ${hookId ?? '?'} failed in ${event}`);
  }

  /**
   * Runs onPacketRead hooks (sync only): REJECT = ignore the packet; HookRejection propagates; other errors
   * become HookRejection 0x83. A hook that returns a thenable is a bug: logged, its answer ignored.
   */
  runOnPacketRead(client: ClientInfo, packet: Packet): Packet | typeof REJECT {
    const fns = this.onPacketRead;
    if (fns === null) return packet;
    const ids = this.#idsOf('onPacketRead');
    let current = packet;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i] as HookFunction<'onPacketRead'>;
      let answer: Packet | typeof REJECT | undefined;
      try {
        answer = fn(client, current);
      } catch (err) {
        throw this.#transformError(ids[i], 'onPacketRead', err, client.id);
      }
      if (answer === REJECT) return REJECT;
      if (isThenable(answer)) {
        this.#syncMisuse(ids[i], 'onPacketRead', answer, client.id);
        continue;
      }
      if (answer !== undefined) current = answer;
    }
    return current;
  }

  /** Runs onPacketEncode hooks (sync only); a failing hook is logged and the packet goes on unchanged. */
  runOnPacketEncode(client: ClientInfo, packet: Packet): Packet {
    const fns = this.onPacketEncode;
    if (fns === null) return packet;
    const ids = this.#idsOf('onPacketEncode');
    let current = packet;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i] as HookFunction<'onPacketEncode'>;
      try {
        const answer = fn(client, current);
        if (isThenable(answer)) this.#syncMisuse(ids[i], 'onPacketEncode', answer, client.id);
        else if (answer !== undefined) current = answer;
      } catch (err) {
        this.#hookFailed(ids[i], 'onPacketEncode', err, client.id);
      }
    }
    return current;
  }

  /** Runs onSelectSubscribers hooks (sync only); a failing hook is logged and the selection goes on as it is. */
  runOnSelectSubscribers(packet: PublishPacket, subscribers: SubscriberSelection): SubscriberSelection {
    const fns = this.onSelectSubscribers;
    if (fns === null) return subscribers;
    const ids = this.#idsOf('onSelectSubscribers');
    let current = subscribers;
    for (let i = 0; i < fns.length; i++) {
      const fn = fns[i] as HookFunction<'onSelectSubscribers'>;
      try {
        const answer = fn(packet, current);
        if (isThenable(answer)) this.#syncMisuse(ids[i], 'onSelectSubscribers', answer, undefined);
        else if (answer !== undefined) current = answer;
      } catch (err) {
        this.#hookFailed(ids[i], 'onSelectSubscribers', err, undefined);
      }
    }
    return current;
  }

  #syncMisuse(hookId: string | undefined, event: string, answer: PromiseLike<unknown>, clientId: string | undefined): void {
    // Swallow the eventual rejection too, so a misbehaving hook never causes an unhandled rejection.
    answer.then(undefined, () => undefined);
    this.#hookFailed(hookId, event, new TypeError(`${event} must be synchronous; the returned promise was ignored`), clientId);
  }

  // ---- notify ----

  /**
   * Calls every hook of a notify event synchronously, in order. Errors and rejected promises are logged with the
   * hook id and passed to onError hooks; the others still run. Never throws, never awaits.
   */
  notify<K extends NotifyEvent>(event: K, ...args: Parameters<HookFunction<K>>): void;
  // Fixed arity (no notify event has more than four arguments) and hook ids looked up only on failure: this runs
  // for every message when a hook listens to onPublished, where a rest array or a map lookup per call shows.
  notify(event: NotifyEvent, a?: unknown, b?: unknown, c?: unknown, d?: unknown): void {
    const fns = this[event] as ((a: unknown, b: unknown, c: unknown, d: unknown) => unknown)[] | null;
    if (fns === null) return;
    for (let i = 0; i < fns.length; i++) {
      try {
        const result = fns[i]!(a, b, c, d);
        if (isThenable(result)) {
          const hookId = this.#idsOf(event)[i];
          result.then(undefined, (err: unknown) => {
            this.#hookFailed(hookId, event, err, clientIdOf(a));
          });
        }
      } catch (err) {
        this.#hookFailed(this.#idsOf(event)[i], event, err, clientIdOf(a));
      }
    }
  }
}

/** Call count and sampled durations of one hook's one event. */
interface HookTiming {
  readonly hook: string;
  readonly event: string;
  calls: number;
  sampled: number;
  sampledSeconds: number;
}

/** One call in this many is timed: two clock reads per call would cost more than many hooks themselves. */
const TIMING_SAMPLE = 64;

/** Wraps a hook function to count its calls and time every TIMING_SAMPLE-th one (synchronous part only). */
function timed(fn: AnyFn, timing: HookTiming): AnyFn {
  // Fixed arity (no hook takes more than four arguments): a rest parameter would allocate per call.
  const call = fn as (a: unknown, b: unknown, c: unknown, d: unknown) => unknown;
  return function timedHook(a: unknown, b: unknown, c: unknown, d: unknown): unknown {
    if (++timing.calls % TIMING_SAMPLE !== 0) return call(a, b, c, d);
    const start = performance.now();
    try {
      return call(a, b, c, d);
    } finally {
      timing.sampled++;
      timing.sampledSeconds += (performance.now() - start) / 1000;
    }
  };
}

/** The client id in a notify event's first argument (ClientInfo or a bare client id), for error context. */
function clientIdOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  if (typeof first === 'object' && first !== null && 'id' in first && typeof first.id === 'string') return first.id;
  return undefined;
}
