// GET /metrics: Prometheus text format, broker counters that move with traffic, a private registry per server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collect, connectClient, endClient, waitFor } from '../helpers/broker.js';
import { startHttp } from './support.js';

/** Parses Prometheus text into `name{labels}` → value, checking every line's syntax on the way. */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  const declared = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta !== null) {
      if (meta[1] === 'TYPE') {
        assert.match(meta[3]!, /^(counter|gauge|histogram|summary|untyped)$/, line);
        declared.add(meta[2]!);
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+-]+|[Nn]a[Nn]|\+Inf|-Inf)$/.exec(line);
    assert.ok(sample !== null, `not a Prometheus sample line: ${line}`);
    const base = sample[1]!.replace(/_(bucket|sum|count|total|created)$/, '');
    assert.ok(declared.has(sample[1]!) || declared.has(base) || declared.has(`${base}_total`), `sample before its TYPE: ${line}`);
    values.set(sample[1]! + (sample[2] ?? ''), Number(sample[3]));
  }
  return values;
}

test('metrics are valid Prometheus text and broker counters move after MQTT traffic', async () => {
  const f = await startHttp();
  try {
    const res = await f.call('/metrics', { token: null });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const before = parseMetrics(await res.text());
    assert.equal(before.get('swiftlet_clients_connected'), 0);
    assert.equal(before.get('swiftlet_messages_received_total{qos="1"}'), 0);
    assert.equal(before.get('swiftlet_ready'), 1);
    // Default process metrics land in this registry too.
    assert.ok(before.has('process_cpu_user_seconds_total'));
    assert.ok(before.has('nodejs_heap_size_used_bytes'));
    assert.ok(before.has('swiftlet_event_loop_lag_seconds{stat="p99"}'));

    const sub = await connectClient(f.port, { clientId: 'sub', protocolVersion: 5 });
    const pub = await connectClient(f.port, { clientId: 'pub', protocolVersion: 5 });
    const got = collect(sub);
    await sub.subscribeAsync('m/#', { qos: 1 });
    await pub.publishAsync('m/a', 'hello', { qos: 1 });
    await pub.publishAsync('m/r', 'kept', { qos: 0, retain: true });
    await waitFor(() => got.length === 2, 3000, 'two deliveries');

    const after = parseMetrics(await (await f.call('/metrics')).text());
    assert.equal(after.get('swiftlet_clients_connected'), 2);
    assert.equal(after.get('swiftlet_connections_accepted_total'), 2);
    assert.equal(after.get('swiftlet_sessions'), 2);
    assert.equal(after.get('swiftlet_subscriptions'), 1);
    assert.equal(after.get('swiftlet_messages_received_total{qos="1"}'), 1);
    assert.equal(after.get('swiftlet_messages_received_total{qos="0"}'), 1);
    assert.equal(after.get('swiftlet_messages_sent_total{qos="1"}'), 1);
    assert.equal(after.get('swiftlet_packets_received_total{type="connect"}'), 2);
    assert.equal(after.get('swiftlet_packets_received_total{type="subscribe"}'), 1);
    assert.equal(after.get('swiftlet_packets_sent_total{type="connack"}'), 2);
    assert.equal(after.get('swiftlet_packets_sent_total{type="puback"}'), 1);
    assert.equal(after.get('swiftlet_retained_messages'), 1);
    assert.equal(after.get('swiftlet_retained_bytes'), 4);
    assert.ok(after.get('swiftlet_bytes_received_total')! > before.get('swiftlet_bytes_received_total')!);
    assert.ok(after.get('swiftlet_bytes_sent_total')! > 0);
    assert.equal(after.get('swiftlet_listener_connections_accepted_total{listener="tcp",transport="tcp"}'), 2);
    assert.equal(after.get('swiftlet_listener_connections_open{listener="tcp",transport="tcp"}'), 2);
    await endClient(sub);
    await endClient(pub);
  } finally {
    await f.stop();
  }
});

test('refused connections are counted by CONNACK reason code', async () => {
  const f = await startHttp();
  try {
    await f.broker.addHook({ id: 'deny', authenticate: () => 'deny' });
    await assert.rejects(connectClient(f.port, { clientId: 'x', protocolVersion: 5 }));
    const m = parseMetrics(await (await f.call('/metrics')).text());
    assert.equal(m.get('swiftlet_connections_refused_total{code="0x86",reason="bad_user_name_or_password"}'), 1);
  } finally {
    await f.stop();
  }
});

test('a refused inbound PUBLISH is counted as a drop with reason publish-refused', async () => {
  const f = await startHttp();
  try {
    const c = await connectClient(f.port, { clientId: 'sys', protocolVersion: 5 });
    // Clients cannot publish into $SYS: the broker refuses it (PUBACK 0x87 in 5.0).
    await c.publishAsync('$SYS/x', 'no', { qos: 1 }).catch(() => undefined);
    await waitFor(() => f.broker.stats.messagesDropped === 1, 3000, 'the drop');
    const m = parseMetrics(await (await f.call('/metrics')).text());
    assert.equal(m.get('swiftlet_messages_dropped_total{reason="publish-refused"}'), 1);
    await endClient(c);
  } finally {
    await f.stop();
  }
});

test('two brokers in one process keep separate registries', async () => {
  const a = await startHttp();
  const b = await startHttp();
  try {
    const c = await connectClient(a.port, { clientId: 'only-a' });
    const ma = parseMetrics(await (await a.call('/metrics')).text());
    const mb = parseMetrics(await (await b.call('/metrics')).text());
    assert.equal(ma.get('swiftlet_clients_connected'), 1);
    assert.equal(mb.get('swiftlet_clients_connected'), 0);
    assert.ok([...ma.keys()].some((k) => k.startsWith('swiftlet_info{') && k.includes(`node_id="${a.broker.id}"`)));
    assert.ok(![...mb.keys()].some((k) => k.includes(`node_id="${a.broker.id}"`)));
    await endClient(c);
  } finally {
    await a.stop();
    await b.stop();
  }
});

test('clientsDisconnected has one meaning everywhere: sessions kept for offline clients ($SYS, /api/v1/stats, metrics)', async () => {
  const f = await startHttp();
  try {
    const persistent = await connectClient(f.port, { clientId: 'keeps-session', clean: false, protocolVersion: 4 });
    const clean = await connectClient(f.port, { clientId: 'clean-one', clean: true, protocolVersion: 4 });
    await endClient(persistent);
    await endClient(clean);
    await waitFor(() => f.broker.stats.clientsConnected === 0, 3000, 'both gone');
    assert.equal(f.broker.stats.clientsDisconnected, 1, 'only the persistent session stays, offline');
    assert.equal(f.broker.stats.disconnections, 2, 'both connections closed');
    const m = parseMetrics(await (await f.call('/metrics')).text());
    assert.equal(m.get('swiftlet_clients_disconnected'), 1);
    assert.equal(m.get('swiftlet_disconnections_total'), 2);
    const api = (await (await f.call('/api/v1/stats')).json()) as Record<string, number>;
    assert.equal(api.clientsDisconnected, 1);
    assert.equal(api.disconnections, 2);
    f.broker.publishSys();
    const sys = f.broker.retained('$SYS/broker/clients/disconnected');
    assert.equal(sys[0]?.payload.toString(), '1');
  } finally {
    await f.stop();
  }
});

test('the event-loop lag gauge shows how long the loop was blocked, not the sampling interval', async () => {
  const f = await startHttp();
  try {
    await f.call('/metrics'); // starts a new window
    await new Promise((r) => setTimeout(r, 50));
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // block the loop for 150 ms
    }
    await new Promise((r) => setTimeout(r, 50));
    const m = parseMetrics(await (await f.call('/metrics')).text());
    const max = m.get('swiftlet_event_loop_lag_seconds{stat="max"}')!;
    assert.ok(max >= 0.1, `a 150 ms block shows as at least 0.1 s of lag (got ${max})`);
    assert.ok(max < 5, 'seconds, not milliseconds');
  } finally {
    await f.stop();
  }
});
