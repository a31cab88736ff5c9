// Overview: the broker's figures now, live charts of the last minutes, the listeners, the cluster and the bridges.
import { Chart } from '../components/chart.js';
import { Stat } from '../components/stat.js';
import { formatBytes, formatDuration, formatNumber } from '../format.js';
import type { LiveState } from '../live-state.js';

export function Overview({ live }: { live: LiveState }) {
  const { stats, hello, history } = live;
  if (stats === null || hello === null) return <p class="muted">Waiting for the first figures…</p>;
  return (
    <>
      <section aria-labelledby="now-heading">
        <h2 id="now-heading">Now</h2>
        <dl class="stats">
          <Stat label="Connections" value={formatNumber(stats.clientsConnected)} hint={`max ${formatNumber(stats.clientsMaximum)}`} />
          <Stat label="Sessions" value={formatNumber(stats.sessions)} />
          <Stat label="Subscriptions" value={formatNumber(stats.subscriptions)} />
          <Stat label="Retained" value={formatNumber(stats.retainedMessages)} hint={formatBytes(stats.retainedBytes)} />
          <Stat label="In flight" value={formatNumber(stats.inflight)} hint={`${formatNumber(stats.queued)} queued`} />
          <Stat label="Messages in / out" value={`${formatNumber(stats.publishReceived)} / ${formatNumber(stats.publishSent)}`} hint={`${formatNumber(stats.messagesDropped)} dropped`} />
          <Stat label="Memory (RSS)" value={formatBytes(stats.memory.rss)} hint={`heap ${formatBytes(stats.memory.heapUsed)}`} />
          <Stat label="Event-loop lag p99" value={`${stats.eventLoopDelayMs.p99} ms`} hint={`max ${stats.eventLoopDelayMs.max} ms`} />
          <Stat label="Uptime" value={formatDuration(stats.uptime)} />
          <Stat label="Version" value={hello.version} hint={`node ${hello.nodeId}`} />
        </dl>
      </section>
      <section aria-labelledby="charts-heading">
        <h2 id="charts-heading">Last five minutes</h2>
        <div class="charts">
          <Chart title="Connections" time={history.time} series={[{ label: 'connected', color: '#1f6feb', values: history.connections }]} />
          <Chart
            title="Messages per second"
            time={history.time}
            series={[
              { label: 'in', color: '#1a7f37', values: history.messagesIn },
              { label: 'out', color: '#8250df', values: history.messagesOut },
            ]}
          />
          <Chart title="Dropped per second" time={history.time} series={[{ label: 'dropped', color: '#cf222e', values: history.dropped }]} />
        </div>
      </section>
      <section aria-labelledby="listeners-heading">
        <h2 id="listeners-heading">Listeners</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Transport</th>
                <th scope="col">Address</th>
                <th scope="col" class="num">Open</th>
                <th scope="col" class="num">Accepted</th>
                <th scope="col" class="num">Refused</th>
              </tr>
            </thead>
            <tbody>
              {stats.listeners.map((l) => (
                <tr key={l.id}>
                  <td>{l.id}</td>
                  <td>{l.transport}</td>
                  <td>{l.address === null ? '—' : l.address.path ?? `${l.address.host ?? ''}:${l.address.port ?? ''}`}</td>
                  <td class="num">{formatNumber(l.stats?.open ?? 0)}</td>
                  <td class="num">{formatNumber(l.stats?.accepted ?? 0)}</td>
                  <td class="num">{formatNumber(Object.values(l.stats?.refused ?? {}).reduce((a, b) => a + b, 0))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {stats.cluster !== null && (
        <section aria-labelledby="cluster-heading">
          <h2 id="cluster-heading">Cluster</h2>
          <dl class="stats">
            <Stat label="This node" value={stats.cluster.nodeId} hint={stats.cluster.state} />
            <Stat label="Other nodes" value={formatNumber(stats.cluster.peers.length)} hint={stats.cluster.peers.join(', ') || 'none with subscribers'} />
            <Stat label="Sent to / from nodes" value={`${formatNumber(stats.cluster.forwarded)} / ${formatNumber(stats.cluster.received)}`} hint={`${formatNumber(stats.cluster.dropped)} dropped`} />
          </dl>
        </section>
      )}
      {stats.bridges.length > 0 && (
        <section aria-labelledby="bridges-heading">
          <h2 id="bridges-heading">Bridges</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Remote</th>
                  <th scope="col">State</th>
                  <th scope="col" class="num">In</th>
                  <th scope="col" class="num">Out</th>
                  <th scope="col" class="num">Queued</th>
                  <th scope="col" class="num">Dropped</th>
                  <th scope="col">Last error</th>
                </tr>
              </thead>
              <tbody>
                {stats.bridges.map((b) => (
                  <tr key={b.name}>
                    <td>{b.name}</td>
                    <td>{b.url}</td>
                    <td>{b.connected ? 'connected' : 'disconnected'}</td>
                    <td class="num">{formatNumber(b.forwardedIn)}</td>
                    <td class="num">{formatNumber(b.forwardedOut)}</td>
                    <td class="num">{formatNumber(b.queued)}</td>
                    <td class="num">{formatNumber(b.dropped)}</td>
                    <td>{b.lastError ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {stats.webhooks.length > 0 && (
        <section aria-labelledby="webhooks-heading">
          <h2 id="webhooks-heading">Webhooks</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col" class="num">Sent</th>
                  <th scope="col" class="num">Pending</th>
                  <th scope="col" class="num">Dropped</th>
                  <th scope="col" class="num">Failed attempts</th>
                </tr>
              </thead>
              <tbody>
                {stats.webhooks.map((w) => (
                  <tr key={w.id}>
                    <td>{w.id}</td>
                    <td>{w.url}</td>
                    <td class="num">{formatNumber(w.sent)}</td>
                    <td class="num">{formatNumber(w.pending)}</td>
                    <td class="num">{formatNumber(w.droppedQueueFull + w.droppedFailed)}</td>
                    <td class="num">{formatNumber(w.failedAttempts)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}

