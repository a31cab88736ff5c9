// Per-client limits (docs/capabilities.md, Per-client limits): an authenticate hook's result, an enhancedAuth allow and
// an AuthLedger user (from a configuration file) replace the broker's limits for one client; the REST client view
// shows the limits in force.
//
// Glossary: "override" = a limit set for one client; "plain" = a client without one, held to the broker's values.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PacketType, RateLimit, hashPasswordSync } from '../../src/index.js';
import type { AuthResult, BrokerLogger, ClientLimits, ConnectAuth, ConnectPacket, ProtocolVersion } from '../../src/index.js';
import { HttpServer } from '../../src/http/http-server.js';
import { resolveConfig } from '../../src/config/load-config.js';
import { SwiftletServer } from '../../src/server/create-server.js';
import { createLogger } from '../../src/server/create-logger.js';
import { startBroker, waitFor } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';
import { ManualClock } from '../helpers/clock.js';
import { RawClient } from '../helpers/raw-client.js';
import { publishPacket, subscribePacket } from '../helpers/packets.js';
import { publishQoS1, rawSession } from '../helpers/raw-session.js';

const TOKEN = 'limits-token-0123456789';

/** A broker whose authenticate hook gives each user name the limits in `plans` (others: none). */
async function brokerWithPlans(plans: Record<string, ClientLimits>, extra: Parameters<typeof startBroker>[0] = {}): Promise<TestBroker> {
  return startBroker({ sysInterval: 0, ...extra }, (broker) => {
    void broker.addHook({
      id: 'plans',
      authenticate(_client, auth: ConnectAuth): AuthResult {
        const limits = auth.username === undefined ? undefined : plans[auth.username];
        return limits === undefined ? { decision: 'allow' } : { decision: 'allow', limits };
      },
    });
  });
}

/** A raw session for user `username`. */
function session(tb: TestBroker, version: ProtocolVersion, clientId: string, username: string, extra: Partial<ConnectPacket> = {}): Promise<RawClient> {
  return rawSession(tb.port, version, clientId, { connect: { username, ...extra } });
}

describe('limits from the authenticate result', () => {
  test('receiveMaximum: advertised in CONNACK and enforced (DISCONNECT 0x93); a plain client gets the broker value [MQTT-3.3.4-7]', async () => {
    const tb = await brokerWithPlans({ small: { receiveMaximum: 2 } });
    try {
      const plainAck = await (await RawClient.connect(tb.port, 5)).handshake('rm-plain');
      assert.equal(plainAck.properties.receiveMaximum, 1024);
      const c = await RawClient.connect(tb.port, 5);
      const ack = await c.handshake('rm-small', { username: 'small' });
      assert.equal(ack.properties.receiveMaximum, 2);
      for (let i = 1; i <= 2; i++) {
        c.send(publishPacket('rm', 'x', 2, i));
        assert.equal((await c.expect(PacketType.PUBREC)).reasonCode, 0);
      }
      c.send(publishPacket('rm', 'x', 2, 3));
      assert.equal((await c.expect(PacketType.DISCONNECT)).reasonCode, 0x93);
      assert.equal(tb.broker.detailedStats().limitsReached.receiveMaximum, 1);
    } finally {
      await tb.close();
    }
  });

  test('maximumInflight: a client with a window of 1 gets one unacknowledged message at a time, a plain one all of them', async () => {
    const tb = await brokerWithPlans({ narrow: { maximumInflight: 1 } });
    try {
      const narrow = await session(tb, 4, 'win-narrow', 'narrow');
      const plain = await rawSession(tb.port, 4, 'win-plain');
      for (const c of [narrow, plain]) {
        c.send(subscribePacket(1, [{ topic: 'w', qos: 1 }]));
        await c.expect(PacketType.SUBACK);
      }
      const pub = await rawSession(tb.port, 5, 'win-pub');
      for (let i = 1; i <= 3; i++) assert.equal(await publishQoS1(pub, 'w', `m${i}`, i), 0);
      const all = [await plain.expect(PacketType.PUBLISH), await plain.expect(PacketType.PUBLISH), await plain.expect(PacketType.PUBLISH)];
      assert.deepEqual(all.map((p) => p.payload.toString()), ['m1', 'm2', 'm3']);
      for (let i = 1; i <= 3; i++) {
        const p = await narrow.expect(PacketType.PUBLISH);
        assert.equal(p.payload.toString(), `m${i}`);
        assert.equal(await narrow.quiet(100), true, 'a second message in flight');
        narrow.send({ type: PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
      }
      for (const c of [narrow, plain, pub]) c.destroy();
    } finally {
      await tb.close();
    }
  });

  test('maximumQueuedMessages and maximumQueuedBytes: the offline session keeps its own bounds', async () => {
    const tb = await brokerWithPlans({ tiny: { maximumQueuedMessages: 1 }, roomy: { maximumQueuedBytes: 6 } }, { capabilities: { maximumQueuedMessages: 5 } });
    try {
      for (const user of ['tiny', 'roomy', 'plain']) {
        const c = await session(tb, 5, `q-${user}`, user, { clean: false, properties: { sessionExpiryInterval: 60 } });
        c.send(subscribePacket(1, [{ topic: 'q', qos: 1 }]));
        await c.expect(PacketType.SUBACK);
        c.destroy();
        await waitFor(() => tb.broker.client(`q-${user}`)?.connected === false, 3000, `${user} offline`);
      }
      const pub = await rawSession(tb.port, 5, 'q-pub');
      for (let i = 1; i <= 4; i++) assert.equal(await publishQoS1(pub, 'q', `m${i}x`, i), 0); // 3 bytes each
      assert.equal(tb.broker.client('q-tiny')?.queued, 1);
      assert.equal(tb.broker.client('q-roomy')?.queued, 2);
      assert.equal(tb.broker.client('q-plain')?.queued, 4);
      const limits = tb.broker.detailedStats().limitsReached;
      assert.deepEqual([limits.maximumQueuedMessages, limits.maximumQueuedBytes], [3, 2]);
      pub.destroy();
    } finally {
      await tb.close();
    }
  });

  test('maximumSubscriptionsPerClient: raised for one client, the broker value for the others', async () => {
    const tb = await brokerWithPlans({ big: { maximumSubscriptionsPerClient: 3 } }, { capabilities: { maximumSubscriptionsPerClient: 1 } });
    try {
      const big = await session(tb, 5, 'subs-big', 'big');
      big.send(subscribePacket(1, ['a', 'b', 'c', 'd']));
      assert.deepEqual((await big.expect(PacketType.SUBACK)).reasonCodes, [2, 2, 2, 0x97]);
      const plain = await rawSession(tb.port, 4, 'subs-plain');
      plain.send(subscribePacket(1, ['a', 'b']));
      assert.deepEqual((await plain.expect(PacketType.SUBACK)).reasonCodes, [2, 0x80]);
      for (const c of [big, plain]) c.destroy();
    } finally {
      await tb.close();
    }
  });

  for (const version of [5, 4] as const) {
    test(`publishPerSecond: v${version} past its rate is refused (${version === 5 ? '0x97' : 'acknowledged and dropped'}); a second later it may publish again`, async () => {
      const clock = new ManualClock();
      const tb = await brokerWithPlans({ slow: { publishPerSecond: 2 } }, { clock: clock.now });
      try {
        const sub = await rawSession(tb.port, 5, `rate-sub-v${version}`, { subscribe: [{ topic: 'r', qos: 1 }] });
        const slow = await session(tb, version, `rate-v${version}`, 'slow');
        assert.equal(await publishQoS1(slow, 'r', 'one', 1), 0);
        assert.equal(await publishQoS1(slow, 'r', 'two', 2), 0);
        assert.equal(await publishQoS1(slow, 'r', 'three', 3), version === 5 ? 0x97 : 0);
        clock.advance(1000);
        assert.equal(await publishQoS1(slow, 'r', 'four', 4), 0);
        const got = [];
        for (let i = 0; i < 3; i++) {
          const p = await sub.expect(PacketType.PUBLISH);
          got.push(p.payload.toString());
          sub.send({ type: PacketType.PUBACK, packetId: p.packetId, reasonCode: 0, properties: {} });
        }
        assert.deepEqual(got, ['one', 'two', 'four']);
        assert.equal(await sub.quiet(100), true);
        assert.equal(tb.broker.detailedStats().limitsReached.publishPerSecond, 1);
        for (const c of [sub, slow]) c.destroy();
      } finally {
        await tb.close();
      }
    });
  }

  test('publishBytesPerSecond: a payload past the byte allowance is refused with 0x97', async () => {
    const clock = new ManualClock();
    const tb = await brokerWithPlans({ thin: { publishBytesPerSecond: 10 } }, { clock: clock.now });
    try {
      const c = await session(tb, 5, 'bytes', 'thin');
      assert.equal(await publishQoS1(c, 'b', '123456', 1), 0);
      assert.equal(await publishQoS1(c, 'b', '123456', 2), 0x97);
      assert.equal(await publishQoS1(c, 'b', '1234', 3), 0);
      assert.equal(tb.broker.detailedStats().limitsReached.publishBytesPerSecond, 1);
      c.destroy();
    } finally {
      await tb.close();
    }
  });

  test('a client with its own rate is held to it instead of the RateLimit hook; plain clients keep the hook rate', async () => {
    const clock = new ManualClock();
    const tb = await brokerWithPlans({ fast: { publishPerSecond: 3 } }, { clock: clock.now });
    await tb.broker.addHook(new RateLimit({ publishPerSecond: 1, now: clock.now }));
    try {
      const fast = await session(tb, 5, 'hook-fast', 'fast');
      const plain = await rawSession(tb.port, 5, 'hook-plain');
      assert.deepEqual([await publishQoS1(fast, 'h', 'x', 1), await publishQoS1(fast, 'h', 'x', 2), await publishQoS1(fast, 'h', 'x', 3), await publishQoS1(fast, 'h', 'x', 4)], [0, 0, 0, 0x97]);
      assert.deepEqual([await publishQoS1(plain, 'h', 'x', 1), await publishQoS1(plain, 'h', 'x', 2)], [0, 0x97]);
      assert.deepEqual([tb.broker.client('hook-fast')?.limits.publishPerSecond, tb.broker.client('hook-plain')?.limits.publishPerSecond], [3, 1]);
      for (const c of [fast, plain]) c.destroy();
    } finally {
      await tb.close();
    }
  });

  test('limits a hook gets wrong refuse the client (v5 0x80, v4 3) and are logged, never handed out', async () => {
    const errors: object[] = [];
    const logger: BrokerLogger = { debug() {}, info() {}, warn() {}, error: (obj) => errors.push(obj) };
    const tb = await brokerWithPlans({ zero: { receiveMaximum: 0 }, odd: { maximumInflight: 1.5 }, typo: { maxInflight: 5 } as ClientLimits }, { logger });
    try {
      for (const [user, version, code] of [['zero', 5, 0x80], ['odd', 4, 3], ['typo', 5, 0x80]] as const) {
        const c = await RawClient.connect(tb.port, version);
        assert.equal((await c.handshake(`bad-${user}`, { username: user })).reasonCode, code, user);
        c.destroy();
      }
      assert.deepEqual(
        errors.map((e) => (e as { err: string }).err),
        ['limits.receiveMaximum: expected an integer in 1..65535, found 0', 'limits.maximumInflight: expected an integer in 1..65535, found 1.5', 'limits.maxInflight: unknown limit (expected one of receiveMaximum, maximumInflight, maximumQueuedMessages, maximumQueuedBytes, maximumSubscriptionsPerClient, publishPerSecond, publishBytesPerSecond)'],
      );
      assert.equal(tb.broker.client('bad-zero'), undefined);
    } finally {
      await tb.close();
    }
  });

  test('enhanced authentication: limits in the allow answer apply the same way', async () => {
    const tb = await startBroker({ sysInterval: 0 }, (broker) => {
      void broker.addHook({ id: 'token-auth', enhancedAuth: () => ({ decision: 'allow', limits: { receiveMaximum: 7 } }) });
    });
    try {
      const c = await RawClient.connect(tb.port, 5);
      const ack = await c.handshake('enh', { properties: { authenticationMethod: 'TOKEN', authenticationData: Buffer.from('t') } });
      assert.deepEqual([ack.reasonCode, ack.properties.receiveMaximum], [0, 7]);
      assert.deepEqual(tb.broker.client('enh')?.limits.overridden, ['receiveMaximum']);
      c.destroy();
    } finally {
      await tb.close();
    }
  });
});

describe('the REST client view', () => {
  test('GET /api/v1/clients/:id shows the limits in force and which were set for the client; the fields are the documented ones', async () => {
    const tb = await brokerWithPlans({ gold: { receiveMaximum: 10, maximumInflight: 20, maximumQueuedBytes: 4096, publishPerSecond: 50 } }, { capabilities: { maximumSubscriptionsPerClient: 8 } });
    const http = new HttpServer(tb.broker, { port: 0, token: TOKEN });
    await http.listen();
    try {
      const gold = await RawClient.connect(tb.port, 5);
      await gold.handshake('gold-1', { username: 'gold', properties: { receiveMaximum: 5 } });
      const plain = await rawSession(tb.port, 4, 'plain-1');
      const get = async (id: string): Promise<Record<string, unknown>> => {
        const res = await fetch(`http://127.0.0.1:${http.address()!.port}/api/v1/clients/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(res.status, 200);
        return (await res.json()) as Record<string, unknown>;
      };
      const g = await get('gold-1');
      assert.deepEqual(g.limits, {
        receiveMaximum: 10,
        maximumInflight: 20,
        inflightWindow: 5, // lowered by the client's own Receive Maximum
        maximumQueuedMessages: 1000,
        maximumQueuedBytes: 4096,
        maximumSubscriptionsPerClient: 8,
        publishPerSecond: 50,
        publishBytesPerSecond: 0,
        overridden: ['receiveMaximum', 'maximumInflight', 'maximumQueuedBytes', 'publishPerSecond'],
      });
      const p = await get('plain-1');
      assert.deepEqual(p.limits, {
        receiveMaximum: 1024,
        maximumInflight: 1024,
        inflightWindow: 1024,
        maximumQueuedMessages: 1000,
        maximumQueuedBytes: 0,
        maximumSubscriptionsPerClient: 8,
        publishPerSecond: 0,
        publishBytesPerSecond: 0,
        overridden: [],
      });

      // docs/http-api.yaml describes exactly these fields.
      const spec = parse(readFileSync(new URL('../../docs/http-api.yaml', import.meta.url), 'utf8')) as { components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
      assert.deepEqual(Object.keys(g).sort(), Object.keys(spec.components.schemas.Client!.properties).sort());
      assert.deepEqual(Object.keys(g.limits as object).sort(), Object.keys(spec.components.schemas.ClientLimits!.properties).sort());
      for (const c of [gold, plain]) c.destroy();
    } finally {
      await http.close();
      await tb.close();
    }
  });
});

describe('limits of a ledger user, from a configuration file', () => {
  test('users.<name>.limits in the ledger file apply to that user; a bad value is reported with its key path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swiftlet-limits-'));
    const password = hashPasswordSync('secret', { cost: 1024 });
    writeFileSync(
      join(dir, 'ledger.yaml'),
      `users:\n  gw:\n    password: "${password}"\n    limits: { receiveMaximum: 3, maximumSubscriptionsPerClient: 1, publishPerSecond: 1000 }\n  other:\n    password: "${password}"\n`,
    );
    const config = join(dir, 'swiftlet.yaml');
    writeFileSync(
      config,
      `listeners:\n  - type: tcp\n    port: 0\nhttp:\n  port: 0\n  token: ${TOKEN}\nauth:\n  ledgerFile: ledger.yaml\ncapabilities:\n  maximumSubscriptionsPerClient: 4\nsys:\n  interval: 0\nlogging:\n  level: silent\n`,
    );
    try {
      const resolved = resolveConfig({ configFile: config, env: {} });
      assert.deepEqual(resolved.issues, []);
      const server = await SwiftletServer.create(resolved.config, createLogger(resolved.config.logging));
      try {
        const bound = await server.start();
        const mqttPort = Number(bound.find((b) => b.kind === 'MQTT')!.where.split(':').at(-1));
        const httpPort = Number(bound.find((b) => b.kind === 'HTTP')!.where.split(':').at(-1));
        const gw = await RawClient.connect(mqttPort, 5);
        const ack = await gw.handshake('gw-1', { username: 'gw', password: Buffer.from('secret') });
        assert.deepEqual([ack.reasonCode, ack.properties.receiveMaximum], [0, 3]);
        gw.send(subscribePacket(1, ['a', 'b']));
        assert.deepEqual((await gw.expect(PacketType.SUBACK)).reasonCodes, [2, 0x97]);
        const other = await RawClient.connect(mqttPort, 4);
        assert.equal((await other.handshake('other-1', { username: 'other', password: Buffer.from('secret') })).reasonCode, 0);
        other.send(subscribePacket(1, ['a', 'b']));
        assert.deepEqual((await other.expect(PacketType.SUBACK)).reasonCodes, [2, 2]);
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/clients/gw-1`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const view = (await res.json()) as { limits: { overridden: string[]; receiveMaximum: number } };
        assert.deepEqual(view.limits.overridden, ['receiveMaximum', 'maximumSubscriptionsPerClient', 'publishPerSecond']);
        for (const c of [gw, other]) c.destroy();
      } finally {
        await server.close();
      }

      writeFileSync(join(dir, 'ledger.yaml'), `users:\n  gw:\n    password: "${password}"\n    limits: { receiveMaximum: 0 }\n`);
      const bad = resolveConfig({ configFile: config, env: {} });
      assert.equal(bad.issues.length, 1);
      assert.match(JSON.stringify(bad.issues[0]), /users\.gw\.limits\.receiveMaximum.*expected an integer in 1\.\.65535, found 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
