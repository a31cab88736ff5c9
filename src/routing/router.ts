// Routing: topic → matching subscriptions (deduplicated per client), shared-group picks, retained store, bus.
import { PacketType } from '../codec/types.js';
import { SubscriptionTrie } from '../topics/subscription-trie.js';
import type { SharedGroup } from '../topics/subscription-trie.js';
import { parseSharedFilter, stickyHash } from '../topics/shared-filter.js';
import type { ClientInfo, SharedGroupChoice, SubscriberSelection } from '../hooks/hook.js';
import type { BrokerContext } from '../context.js';
import { ENCODING_SLOTS } from './message.js';
import type { Message } from './message.js';
import type { Session } from '../session/session.js';
import type { Subscription } from '../session/subscription.js';
import { FULL_SCOPE, groupKey } from '../cluster/bus.js';
import type { RouteScope } from '../cluster/bus.js';
import type { InflightEntry, Outgoing } from '../session/delivery-queue.js';
import { readAccess } from './read-acl.js';
import { toPacket } from './delivery.js';

/** Routes messages to sessions; owns the subscription trie. */
export class Router {
  readonly #ctx: BrokerContext;
  readonly trie = new SubscriptionTrie<Subscription>();
  // Scratch arrays reused by every top-level route (no allocation per publish); nested routes allocate.
  readonly #matches: Subscription[] = [];
  readonly #groups: SharedGroup<Subscription>[] = [];
  readonly #touched: Session[] = [];
  #epoch = 0;
  #depth = 0;
  /** Set while a retained message from another node is stored, so it is not sent back to the cluster. */
  #fromCluster = false;

  constructor(ctx: BrokerContext) {
    this.#ctx = ctx;
  }

  /** Accepts a message into the broker: retained store, local subscribers, cluster, onPublished. */
  publish(message: Message, client: ClientInfo | null): number {
    const ctx = this.#ctx;
    if (message.retain) this.storeRetained(message);
    // In a cluster the bus sends the message to the nodes that need it and says which shared groups stay here.
    const delivered = this.route(message, ctx.bus.active ? ctx.bus.forward(message) : FULL_SCOPE);
    if (ctx.hooks.onPublished !== null) {
      ctx.hooks.notify('onPublished', client, {
        type: PacketType.PUBLISH,
        dup: false,
        qos: message.qos,
        retain: message.retain,
        topic: message.topic,
        packetId: 0,
        payload: message.payload,
        properties: message.properties,
      });
    }
    return delivered;
  }

  /** A message published on another node of the cluster, for the subscribers `scope` names. */
  routeFromCluster(message: Message, scope: RouteScope): number {
    return this.route(message, scope);
  }

  /** A retained message another node stored or cleared: kept here too, without telling the cluster again. */
  retainedFromCluster(message: Message): void {
    this.#fromCluster = true;
    try {
      this.storeRetained(message);
    } finally {
      this.#fromCluster = false;
    }
  }

  /**
   * Stores, replaces or (empty payload) clears the retained message of a topic [MQTT-3.3.1-5] [MQTT-3.3.1-6]
   * [MQTT-3.3.1-7]; expiry, limits, storage and hooks are the retained store's (routing/retained-store.ts).
   * In a cluster the other nodes are told (a clear always, in case they hold the topic and this node does not).
   */
  storeRetained(message: Message): void {
    const ctx = this.#ctx;
    const changed = ctx.retained.store(message);
    if (ctx.bus.active && !this.#fromCluster && (changed || message.payload.length === 0)) ctx.bus.retained(message);
  }

  /**
   * Delivers a message to every matching session once, at the highest QoS granted among its matching
   * subscriptions, with all their subscription identifiers [MQTT-3.3.4-2] [MQTT-3.3.4-3]; one member per shared group.
   * Returns the number of sessions it went to.
   */
  route(message: Message, scope: RouteScope = FULL_SCOPE): number {
    const ctx = this.#ctx;
    const nested = this.#depth > 0;
    this.#depth++;
    const matches = nested ? [] : this.#matches;
    const groups = nested ? [] : this.#groups;
    const touched = nested ? [] : this.#touched;
    let fanOut = false;
    try {
      this.trie.match(message.topic, matches, groups);
      if (scope !== FULL_SCOPE) {
        if (!scope.plain) for (let i = matches.length; i > 0; i--) matches.pop();
        else if (scope.only !== null) keepOnly(matches, scope.only);
        keepGroups(groups, scope);
      }
      const epoch = ++this.#epoch;
      const origin = message.origin;
      for (let i = 0; i < matches.length; i++) {
        const sub = matches[i]!;
        const s = sub.session;
        // [MQTT-3.8.3-3] No Local: not back to the publisher's own subscription.
        if (sub.noLocal && s.clientId === origin) continue;
        if (s.routeEpoch !== epoch) {
          s.routeEpoch = epoch;
          s.routeQoS = sub.qos;
          s.routeRetainAsPublished = sub.retainAsPublished;
          s.routeSubscriptionIds = sub.identifier !== 0 ? [sub.identifier] : undefined;
          touched.push(s);
        } else {
          if (sub.qos > s.routeQoS) s.routeQoS = sub.qos;
          if (sub.retainAsPublished) s.routeRetainAsPublished = true;
          if (sub.identifier !== 0) {
            if (s.routeSubscriptionIds === undefined) s.routeSubscriptionIds = [sub.identifier];
            else s.routeSubscriptionIds.push(sub.identifier);
          }
        }
      }
      let count = 0;
      const mq = message.qos;
      // Encodings are shared only while this fan-out runs: more than one receiver gets a cache, dropped
      // afterwards so stored (retained, queued) messages never keep their encodings alive.
      fanOut = touched.length + groups.length > 1 && message.encoded === undefined;
      if (fanOut) message.encoded = new Array<Buffer | undefined>(ENCODING_SLOTS);
      if (ctx.hooks.onSelectSubscribers !== null) return this.#routeSelected(message, touched, groups);
      for (let i = 0; i < touched.length; i++) {
        const s = touched[i]!;
        const qos = (s.routeQoS < mq ? s.routeQoS : mq); // [MQTT-3.8.4-8] min(published, granted)
        // [MQTT-3.3.1-12] [MQTT-3.3.1-13] retain flag only kept with Retain As Published.
        ctx.delivery.deliver(s, { message, qos, retain: s.routeRetainAsPublished && message.retain, subscriptionIds: s.routeSubscriptionIds, group: undefined, retainedBurst: false, seq: 0, pending: null, packetId: 0, released: false });
        count++;
      }
      for (let i = 0; i < groups.length; i++) {
        const group = groups[i]!;
        const sub = this.pickShared(group, message, null);
        if (sub === undefined) {
          // Only when no member may read it: reported once, for the first member.
          if (group.members.length > 0) ctx.delivery.drop(group.members[0]!.session, message, 'acl-denied');
          continue;
        }
        if (sub.noLocal && sub.session.clientId === origin) continue;
        ctx.delivery.deliver(sub.session, sharedOutgoing(sub, message, group));
        count++;
      }
      return count;
    } finally {
      if (fanOut) message.encoded = undefined;
      this.#depth--;
      // pop() is inlined; assigning length is a runtime call that showed in profiles of this path.
      for (let i = matches.length; i > 0; i--) matches.pop();
      for (let i = groups.length; i > 0; i--) groups.pop();
      for (let i = touched.length; i > 0; i--) touched.pop();
    }
  }

  // route() when onSelectSubscribers hooks choose the receivers: the built-in choice is offered, the hooks' answer used.
  #routeSelected(message: Message, touched: Session[], groups: SharedGroup<Subscription>[]): number {
    const ctx = this.#ctx;
    const selection: SubscriberSelection = { clients: touched.map((s) => s.clientId), shared: groups.map((g) => this.#sharedChoice(g, message)) };
    const chosen = ctx.hooks.runOnSelectSubscribers(toPacket(message, 0), selection);
    let count = 0;
    const mq = message.qos;
    const wanted = new Set(chosen.clients);
    for (const s of touched) {
      if (!wanted.has(s.clientId)) continue;
      const qos = s.routeQoS < mq ? s.routeQoS : mq; // [MQTT-3.8.4-8]
      ctx.delivery.deliver(s, { message, qos, retain: s.routeRetainAsPublished && message.retain, subscriptionIds: s.routeSubscriptionIds, group: undefined, retainedBurst: false, seq: 0, pending: null, packetId: 0, released: false });
      count++;
    }
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!;
      // Matched by position when the hook kept the array, else by share name and filter.
      const choice = chosen.shared[i]?.group === group.group && chosen.shared[i]?.filter === group.filter
        ? chosen.shared[i]
        : chosen.shared.find((c) => c.group === group.group && c.filter === group.filter);
      const id = choice?.chosen;
      if (id === undefined) continue;
      const sub = group.members.find((m) => m.session.clientId === id);
      if (sub === undefined) continue;
      if (sub.noLocal && sub.session.clientId === message.origin) continue; // [MQTT-3.8.3-3]
      ctx.delivery.deliver(sub.session, sharedOutgoing(sub, message, group));
      count++;
    }
    return count;
  }

  #sharedChoice(group: SharedGroup<Subscription>, message: Message): SharedGroupChoice {
    const members = group.members.map((m) => ({ clientId: m.session.clientId, connected: reachable(m.session) }));
    return { group: group.group, filter: group.filter, members, chosen: this.pickShared(group, message, null)?.session.clientId };
  }

  /** Delivers a shared-group message to a member other than `exclude` (which may not read it); false when none is left. */
  deliverShared(group: SharedGroup<Subscription>, message: Message, exclude: Session): boolean {
    const sub = this.pickShared(group, message, exclude);
    if (sub === undefined || sub.session === exclude) return false;
    if (sub.noLocal && sub.session.clientId === message.origin) return false; // [MQTT-3.8.3-3]
    this.#ctx.delivery.deliver(sub.session, sharedOutgoing(sub, message, group));
    return true;
  }

  /**
   * Picks the member of a shared group that gets this message, preferring connected sessions and skipping
   * members whose read access is denied; `exclude` skips a session (re-delivery when a member's session ends).
   */
  pickShared(group: SharedGroup<Subscription>, message: Message, exclude: Session | null): Subscription | undefined {
    const members = group.members;
    const n = members.length;
    if (n === 0) return undefined;
    const hooks = this.#ctx.hooks;
    let start = 0;
    switch (this.#ctx.sharedStrategy) {
      case 'random':
        start = Math.floor(Math.random() * n);
        break;
      case 'hash':
        start = stickyHash(message.origin ?? message.topic) % n;
        break;
      case 'round-robin':
        start = group.cursor % n;
        group.cursor = (start + 1) % n;
    }
    let fallback: Subscription | undefined;
    for (let k = 0; k < n; k++) {
      const sub = members[(start + k) % n]!;
      if (sub.session === exclude) continue;
      const s = sub.session;
      if (s.inlineHandler !== null) return sub;
      if (s.connection !== null && s.connection.isConnected) {
        // A known denial skips the member; an answer still pending does not (delivery waits for it and re-picks on a denial).
        if (hooks.checkAcl !== null && readAccess(hooks, s, s.connection.client!, message.topic) === false) continue;
        return sub;
      }
      // Offline members are asked when they are back (the queue is checked before sending).
      fallback ??= sub;
    }
    return fallback;
  }

  /**
   * Builds a session's subscription to `topicFilter` (a valid filter, `$share/...` included) with the granted QoS
   * capped at the server's maximum [MQTT-3.2.2-9], adds or replaces it in the trie and in the session.
   * Returns it and the subscription it replaced.
   */
  attachSubscription(
    session: Session,
    topicFilter: string,
    options: Pick<Subscription, 'qos' | 'noLocal' | 'retainAsPublished' | 'retainHandling' | 'identifier'>,
  ): { subscription: Subscription; previous: Subscription | undefined } {
    const shared = parseSharedFilter(topicFilter);
    const isShared = shared !== null && shared !== 'invalid';
    const maximumQoS = this.#ctx.capabilities.maximumQoS;
    const subscription: Subscription = {
      session,
      topicFilter,
      filter: isShared ? shared.filter : topicFilter,
      group: isShared ? shared.group : undefined,
      qos: options.qos > maximumQoS ? maximumQoS : options.qos,
      noLocal: options.noLocal,
      retainAsPublished: options.retainAsPublished,
      retainHandling: options.retainHandling,
      identifier: options.identifier,
    };
    const previous = this.addSubscription(subscription);
    session.subscriptions.set(topicFilter, subscription);
    return { subscription, previous };
  }

  /** Adds or replaces a subscription in the trie; returns the one it replaced. */
  addSubscription(sub: Subscription): Subscription | undefined {
    const key = sub.session.clientId;
    const previous = sub.group === undefined ? this.trie.add(sub.filter, key, sub) : this.trie.addShared(sub.group, sub.filter, key, sub);
    if (previous === undefined) {
      this.#ctx.stats.subscriptions++;
      if (this.#ctx.bus.active) this.#ctx.bus.routeAdded(routeFilter(sub));
    }
    return previous;
  }

  /** Removes a subscription from the trie. */
  removeSubscription(sub: Subscription): void {
    const key = sub.session.clientId;
    const removed = sub.group === undefined ? this.trie.remove(sub.filter, key) : this.trie.removeShared(sub.group, sub.filter, key);
    if (removed !== undefined) {
      this.#ctx.stats.subscriptions--;
      if (this.#ctx.bus.active) this.#ctx.bus.routeRemoved(routeFilter(sub));
    }
  }

  /**
   * Moves a shared subscriber's pending shared-group messages to another member, when its connection
   * drops or its session ends: queued deliveries (not sent yet) and unacknowledged QoS 1 messages
   * (5.0 section 4.8.2: the server MAY/SHOULD re-send those to another member). QoS 2 messages already
   * sent stay with the session: they MUST be completed there and never sent elsewhere [MQTT-4.8.2-4] [MQTT-4.8.2-5].
   */
  redistributeShared(session: Session): void {
    const ctx = this.#ctx;
    const moved: Outgoing[] = [];
    for (const entry of session.inflight.values()) {
      if (entry.group !== undefined && entry.qos === 1) moved.push(entry);
    }
    const sent = moved.length;
    for (const entry of moved) session.inflight.delete((entry as InflightEntry).packetId);
    for (const out of session.queue.extract((out) => out.group !== undefined)) moved.push(out);
    // Each moves as a new delivery of the member it goes to.
    for (const out of moved) ctx.store.forget(session, out);
    for (let i = 0; i < moved.length; i++) {
      const { message, group } = moved[i]!;
      if (this.deliverShared(group!, message, session)) continue;
      if (i < sent && ctx.hooks.onQosDropped !== null) {
        ctx.hooks.notify('onQosDropped', session.clientId, toPacket(message, (moved[i] as InflightEntry).packetId), 'client-gone');
      }
    }
  }
}

/** Inline members have no connection but are always reachable; a closing connection is not. */
function reachable(s: Session): boolean {
  return s.inlineHandler !== null || (s.connection !== null && s.connection.isConnected);
}

/** The filter the cluster's route table knows a subscription by. */
function routeFilter(sub: Subscription): string {
  return sub.group === undefined ? sub.filter : `$share/${sub.group}/${sub.filter}`;
}

/** Keeps only the shared groups this node serves for a message (in place). */
function keepGroups(groups: SharedGroup<Subscription>[], scope: RouteScope): void {
  let kept = 0;
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    const key = groupKey(g.group, g.filter);
    if (scope.groups !== null && !scope.groups.has(key)) continue;
    if (scope.except !== null && scope.except.has(key)) continue;
    groups[kept++] = g;
  }
  for (let i = groups.length; i > kept; i--) groups.pop();
}

/** Keeps the subscriptions of the sessions in `only` (messages a dead node had not routed, for the sessions adopted from it). */
function keepOnly(matches: Subscription[], only: ReadonlySet<string>): void {
  let kept = 0;
  for (let i = 0; i < matches.length; i++) {
    const sub = matches[i]!;
    if (only.has(sub.session.clientId)) matches[kept++] = sub;
  }
  for (let i = matches.length; i > kept; i--) matches.pop();
}

/** What a shared-group member gets: min(published, granted) QoS, its own Retain As Published and identifier. */
function sharedOutgoing(sub: Subscription, message: Message, group: SharedGroup<Subscription>): Outgoing {
  return {
    message,
    qos: sub.qos < message.qos ? sub.qos : message.qos,
    retain: sub.retainAsPublished && message.retain,
    subscriptionIds: sub.identifier !== 0 ? [sub.identifier] : undefined,
    group,
    retainedBurst: false,
    seq: 0,
    pending: null,
    packetId: 0,
    released: false,
  };
}
