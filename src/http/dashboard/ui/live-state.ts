// The dashboard's live picture of the broker: the latest stats, a few minutes of history for the charts and the
// client list, kept current by the event stream (one initial GET of the clients, then connect/disconnect events).
import { useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { openEventStream } from './event-stream.js';
import type { Client, ClientEvent, Hello, Page, Stats } from './types.js';

/** Points kept for the charts: one per second, five minutes. */
export const HISTORY_POINTS = 300;

/** Chart series, oldest first; rates are per second. */
export interface History {
  time: number[];
  connections: number[];
  messagesIn: number[];
  messagesOut: number[];
  dropped: number[];
}

export interface LiveState {
  hello: Hello | null;
  stats: Stats | null;
  history: History;
  clients: Map<string, Client> | null;
  stream: 'connecting' | 'live' | 'reconnecting';
}

const emptyHistory = (): History => ({ time: [], connections: [], messagesIn: [], messagesOut: [], dropped: [] });

/** Subscribes to the event stream while mounted; `onUnauthorized` runs when the token is refused. */
export function useLiveState(token: string, onUnauthorized: () => void): LiveState {
  const [state, setState] = useState<LiveState>({ hello: null, stats: null, history: emptyHistory(), clients: null, stream: 'connecting' });
  useEffect(() => {
    let previous: Stats | null = null;
    let history = emptyHistory();
    let clients: Map<string, Client> | null = null;
    // Client events that arrive while the first client list loads, replayed on top of it.
    let pending: ClientEvent[] | null = null;
    let closed = false;

    const apply = (map: Map<string, Client>, e: ClientEvent): void => {
      if (e.client === null) map.delete(e.id);
      else map.set(e.id, e.client);
    };
    const loadClients = async (): Promise<void> => {
      pending = [];
      const map = new Map<string, Client>();
      try {
        for (let offset = 0; ; offset += 1000) {
          const page = await api<Page<Client>>(token, `clients?limit=1000&offset=${offset}`);
          for (const c of page.items) map.set(c.id, c);
          if (offset + page.items.length >= page.total || page.items.length === 0) break;
        }
      } catch {
        // The stream reports an unusable token; other failures leave the previous list.
      }
      if (closed) return;
      for (const e of pending) apply(map, e);
      pending = null;
      clients = map;
      setState((s) => ({ ...s, clients }));
    };

    const close = openEventStream(token, {
      onUnauthorized,
      onState: (stream) => setState((s) => ({ ...s, stream })),
      onEvent(event, data) {
        if (event === 'hello') {
          setState((s) => ({ ...s, hello: data as Hello }));
          // (Re)load the list once subscribed, so no connect or disconnect falls between the list and the events.
          void loadClients();
        } else if (event === 'stats') {
          const stats = data as Stats;
          history = appendHistory(history, previous, stats);
          previous = stats;
          setState((s) => ({ ...s, stats, history }));
        } else if (event === 'client') {
          const e = data as ClientEvent;
          if (pending !== null) pending.push(e);
          if (clients === null) return;
          const next = new Map(clients);
          apply(next, e);
          clients = next;
          setState((s) => ({ ...s, clients }));
        }
      },
    });
    return () => {
      closed = true;
      close();
    };
  }, [token]);
  return state;
}

function appendHistory(h: History, prev: Stats | null, s: Stats): History {
  const dt = prev === null ? 0 : (s.time - prev.time) / 1000;
  const rate = (now: number, before: number | undefined): number => (dt > 0 && before !== undefined ? Math.max(0, (now - before) / dt) : 0);
  const keep = <T,>(arr: T[], v: T): T[] => {
    const out = arr.length >= HISTORY_POINTS ? arr.slice(arr.length - HISTORY_POINTS + 1) : arr.slice();
    out.push(v);
    return out;
  };
  return {
    time: keep(h.time, s.time / 1000),
    connections: keep(h.connections, s.clientsConnected),
    messagesIn: keep(h.messagesIn, rate(s.publishReceived, prev?.publishReceived)),
    messagesOut: keep(h.messagesOut, rate(s.publishSent, prev?.publishSent)),
    dropped: keep(h.dropped, rate(s.messagesDropped, prev?.messagesDropped)),
  };
}
