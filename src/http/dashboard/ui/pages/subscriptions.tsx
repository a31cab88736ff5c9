// Subscriptions and shared groups, reloaded when the broker's subscription count changes.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Notice } from '../components/notice.js';
import type { Page, Subscription } from '../types.js';

export function Subscriptions({ token, count }: { token: string; count: number | undefined }) {
  const [subs, setSubs] = useState<Page<Subscription> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [query, setQuery] = useState('');
  useEffect(() => {
    api<Page<Subscription>>(token, 'subscriptions?limit=1000').then(
      (page) => {
        setSubs(page);
        setError(null);
      },
      (err: Error) => setError(err.message),
    );
  }, [token, count]);
  if (error !== null) return <Notice kind="error">Could not load the subscriptions: {error}</Notice>;
  if (subs === null) return <p class="muted">Loading subscriptions…</p>;

  const q = query.trim().toLowerCase();
  const shown = subs.items.filter((s) => q === '' || s.filter.toLowerCase().includes(q) || s.clientId.toLowerCase().includes(q));
  const groups = new Map<string, Subscription[]>();
  for (const s of subs.items) {
    // A normal subscription has no group (the field is absent from the JSON).
    if (s.group === undefined || s.group === null) continue;
    const key = s.filter;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }

  return (
    <>
      <section aria-labelledby="subs-heading">
        <h2 id="subs-heading">Subscriptions</h2>
        <div class="toolbar">
          <label for="sub-search">Search</label>
          <input id="sub-search" type="search" value={query} placeholder="filter or client id" onInput={(e) => setQuery(e.currentTarget.value)} />
          <span class="muted" aria-live="polite">
            {shown.length} of {subs.total}
          </span>
        </div>
        <div class="table-wrap">
          <table aria-label="Subscriptions">
            <thead>
              <tr>
                <th scope="col">Filter</th>
                <th scope="col">Client id</th>
                <th scope="col" class="num">QoS</th>
                <th scope="col">Options</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((s) => (
                <tr key={`${s.clientId}\u0000${s.filter}`}>
                  <td>
                    <code>{s.filter}</code>
                  </td>
                  <td>{s.clientId}</td>
                  <td class="num">{s.qos}</td>
                  <td>{options(s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {shown.length === 0 && <p class="muted empty">No subscriptions.</p>}
        </div>
        {subs.total > subs.items.length && <p class="muted">Showing the first {subs.items.length} of {subs.total}.</p>}
      </section>
      <section aria-labelledby="groups-heading">
        <h2 id="groups-heading">Shared groups</h2>
        {groups.size === 0 ? (
          <p class="muted">No shared subscriptions.</p>
        ) : (
          <ul class="plain groups">
            {[...groups].map(([filter, members]) => (
              <li key={filter}>
                <code>{filter}</code> — {members.length} member{members.length === 1 ? '' : 's'}: {members.map((m) => m.clientId).join(', ')}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function options(s: Subscription): string {
  const out: string[] = [];
  if (s.noLocal) out.push('no local');
  if (s.retainAsPublished) out.push('retain as published');
  if (s.retainHandling !== 0) out.push(`retain handling ${s.retainHandling}`);
  if (s.identifier !== 0) out.push(`id ${s.identifier}`);
  return out.length === 0 ? '—' : out.join(', ');
}
