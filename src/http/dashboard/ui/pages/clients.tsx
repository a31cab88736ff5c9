// Clients: every session, searchable by id, user name or address; one session's details; disconnect.
import { useState } from 'preact/hooks';
import { api, segment } from '../api.js';
import { Notice } from '../components/notice.js';
import { formatDuration, formatNumber, formatTime } from '../format.js';
import type { Client, Scope } from '../types.js';

interface Props {
  token: string;
  scope: Scope;
  clients: Map<string, Client> | null;
}

export function Clients({ token, scope, clients }: Props) {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'success'; text: string } | null>(null);
  if (clients === null) return <p class="muted">Loading clients…</p>;

  const q = query.trim().toLowerCase();
  const shown = [...clients.values()]
    .filter((c) => q === '' || c.id.toLowerCase().includes(q) || (c.username ?? '').toLowerCase().includes(q) || c.address.toLowerCase().includes(q))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const current = selected === null ? undefined : clients.get(selected);

  const disconnect = async (id: string): Promise<void> => {
    try {
      await api(token, `clients/${segment(id)}/disconnect`, { method: 'POST' });
      setMessage({ kind: 'success', text: `Disconnected ${id}.` });
    } catch (err) {
      setMessage({ kind: 'error', text: `Could not disconnect ${id}: ${(err as Error).message}` });
    }
  };

  return (
    <div class="split">
      <section aria-labelledby="clients-heading" class="split-main">
        <h2 id="clients-heading">Clients</h2>
        <div class="toolbar">
          <label for="client-search">Search</label>
          <input id="client-search" type="search" value={query} placeholder="client id, user or address" onInput={(e) => setQuery(e.currentTarget.value)} />
          <span class="muted" aria-live="polite">
            {shown.length} of {clients.size}
          </span>
        </div>
        {message !== null && <Notice kind={message.kind}>{message.text}</Notice>}
        <div class="table-wrap">
          <table aria-label="Clients">
            <thead>
              <tr>
                <th scope="col">Client id</th>
                <th scope="col">State</th>
                <th scope="col">User</th>
                <th scope="col">Address</th>
                <th scope="col">Protocol</th>
                <th scope="col" class="num">Subs</th>
                <th scope="col" class="num">In flight</th>
                <th scope="col" class="num">Queued</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((c) => (
                <tr key={c.id} class={c.id === selected ? 'selected' : undefined}>
                  <td>
                    <button type="button" class="link" aria-pressed={c.id === selected} onClick={() => setSelected(c.id === selected ? null : c.id)}>
                      {c.id}
                    </button>
                  </td>
                  <td>
                    <span class={c.connected ? 'badge badge-on' : 'badge'}>{c.connected ? 'connected' : 'offline'}</span>
                  </td>
                  <td>{c.username ?? '—'}</td>
                  <td>{c.address || '—'}</td>
                  <td>{c.protocol}</td>
                  <td class="num">{c.subscriptions.length}</td>
                  <td class="num">{formatNumber(c.inflight)}</td>
                  <td class="num">{formatNumber(c.queued)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p class="muted empty">{clients.size === 0 ? 'No clients.' : 'No client matches.'}</p>}
        </div>
      </section>
      {current !== undefined && (
        <section aria-labelledby="client-detail-heading" class="panel">
          <h2 id="client-detail-heading">Session {current.id}</h2>
          <dl class="facts">
            <dt>State</dt>
            <dd>{current.connected ? 'connected' : 'offline'}</dd>
            <dt>Protocol</dt>
            <dd>MQTT {current.protocol}</dd>
            <dt>Connected since</dt>
            <dd>{formatTime(current.connectedAt)}</dd>
            <dt>Keep alive</dt>
            <dd>{current.keepAlive === 0 ? 'none' : `${current.keepAlive} s`}</dd>
            <dt>Session expiry</dt>
            <dd>{current.sessionExpiryInterval === 0 ? 'with the connection' : current.sessionExpiryInterval >= 0xffffffff ? 'never' : formatDuration(current.sessionExpiryInterval)}</dd>
            <dt>Listener</dt>
            <dd>{current.listener || '—'}</dd>
            <dt>In flight / queued / dropped</dt>
            <dd>
              {formatNumber(current.inflight)} / {formatNumber(current.queued)} / {formatNumber(current.dropped)}
            </dd>
            <dt>Limits</dt>
            <dd data-testid="client-limits">{describeLimits(current.limits)}</dd>
          </dl>
          <h3>Subscriptions</h3>
          {current.subscriptions.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="plain">
              {current.subscriptions.map((s) => (
                <li key={s.filter}>
                  <code>{s.filter}</code> <span class="muted">QoS {s.qos}</span>
                </li>
              ))}
            </ul>
          )}
          {scope === 'full' ? (
            <button type="button" class="danger" disabled={!current.connected} onClick={() => void disconnect(current.id)}>
              Disconnect {current.id}
            </button>
          ) : (
            <p class="muted">Signed in read-only: disconnecting needs the full token.</p>
          )}
        </section>
      )}
    </div>
  );
}

const unlimited = (n: number, unit: string): string => (n === 0 ? 'unlimited' : `${formatNumber(n)} ${unit}`);

/** One line of the limits in force, naming those set for this client alone. */
function describeLimits(l: Client['limits']): string {
  const parts = [
    `in flight ${formatNumber(l.maximumInflight)} (receive maximum ${formatNumber(l.receiveMaximum)})`,
    `queue ${formatNumber(l.maximumQueuedMessages)} messages, ${l.maximumQueuedBytes === 0 ? 'any bytes' : `${formatNumber(l.maximumQueuedBytes)} bytes`}`,
    `subscriptions ${unlimited(l.maximumSubscriptionsPerClient, '')}`.trimEnd(),
    `publish ${unlimited(l.publishPerSecond, 'messages/s')}`,
  ];
  return `${parts.join('; ')}${l.overridden.length > 0 ? ` — set for this client: ${l.overridden.join(', ')}` : ''}`;
}
