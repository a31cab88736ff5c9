// ScramSha256: a client side of SCRAM-SHA-256 written here drives the hook through success, failures and re-auth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthLedger } from '../../src/hooks/builtin/auth-ledger.js';
import { HookChain } from '../../src/hooks/hook-chain.js';
import { createScramCredentials } from '../../src/hooks/builtin/scram-credentials.js';
import { ScramSha256 } from '../../src/hooks/builtin/scram-sha256.js';
import type { ClientInfo, EnhancedAuthResult, EnhancedAuthStep } from '../../src/hooks/hook.js';
import { createClient, createRecordingLogger } from './helpers.js';
import { ScramClient } from '../helpers/scram-client.js';

const ITERATIONS = 4096;
const ledger = new AuthLedger({ ledger: { users: { alice: { scram: createScramCredentials('pencil', ITERATIONS) } } } });

/** Runs both rounds; returns the hook's answer to client-final. */
async function exchange(chain: HookChain, client: ClientInfo, scram: ScramClient, reauthenticate = false, state = new Map<string, unknown>()): Promise<EnhancedAuthResult> {
  const step = (data: Buffer): EnhancedAuthStep => ({ method: 'SCRAM-SHA-256', data, reauthenticate, state });
  const first = await chain.runEnhancedAuth(client, step(scram.first()));
  assert.ok(first !== 'defer' && first.decision === 'continue', `expected continue, got ${JSON.stringify(first)}`);
  return chain.runEnhancedAuth(client, step(scram.final(first.data!)));
}

function createChain(): HookChain {
  const chain = new HookChain(createRecordingLogger());
  chain.add(new ScramSha256({ credentials: ledger }));
  return chain;
}

test('success: the proof verifies, the user name is returned and the server signature checks out', async () => {
  const scram = new ScramClient('alice', 'pencil');
  const result = await exchange(createChain(), createClient(), scram);
  assert.ok(result !== 'defer' && result.decision === 'allow');
  assert.equal(result.username, 'alice');
  assert.equal(scram.verifyServer(result.data), true);
});

test('wrong password → deny 0x87 [MQTT-4.12.0-4]', async () => {
  const result = await exchange(createChain(), createClient(), new ScramClient('alice', 'pen'));
  assert.deepEqual(result !== 'defer' && result.decision === 'deny' ? result.reasonCode : undefined, 0x87);
});

test('unknown user gets a plausible challenge, then deny 0x87 (no user enumeration)', async () => {
  const result = await exchange(createChain(), createClient(), new ScramClient('mallory', 'pencil'));
  assert.ok(result !== 'defer' && result.decision === 'deny');
  assert.equal(result.reasonCode, 0x87);
});

test('other methods defer, so the chain answers 0x8C bad authentication method', async () => {
  const chain = createChain();
  const result = await chain.runEnhancedAuth(createClient(), { method: 'KERBEROS', data: undefined, reauthenticate: false, state: new Map() });
  assert.deepEqual(result, { decision: 'deny', reasonCode: 0x8c });
});

test('tampered nonce and channel binding are refused', async () => {
  const chain = createChain();
  const state = new Map<string, unknown>();
  const scram = new ScramClient('alice', 'pencil');
  const step = (data: Buffer): EnhancedAuthStep => ({ method: 'SCRAM-SHA-256', data, reauthenticate: false, state });
  const first = await chain.runEnhancedAuth(createClient(), step(scram.first()));
  assert.ok(first !== 'defer' && first.decision === 'continue');
  const final = scram.final(first.data!).toString().replace('c=biws', 'c=eSws');
  const result = await chain.runEnhancedAuth(createClient(), step(Buffer.from(final)));
  assert.ok(result !== 'defer' && result.decision === 'deny');
  assert.deepEqual(await chain.runEnhancedAuth(createClient(), step(Buffer.from('p=tls-unique,,n=alice,r=x'))), {
    decision: 'deny',
    reasonCode: 0x87,
    reasonString: 'channel binding is not supported',
  });
});

test('re-authentication works on the same connection state and must keep the same user [MQTT-4.12.1-2]', async () => {
  const chain = createChain();
  const state = new Map<string, unknown>();
  const first = await exchange(chain, createClient(), new ScramClient('alice', 'pencil'), false, state);
  assert.ok(first !== 'defer' && first.decision === 'allow');
  const connected = createClient({ username: 'alice' });
  const again = await exchange(chain, connected, new ScramClient('alice', 'pencil'), true, state);
  assert.ok(again !== 'defer' && again.decision === 'allow');
  const other = new Map<string, unknown>();
  const step: EnhancedAuthStep = { method: 'SCRAM-SHA-256', data: new ScramClient('bob', 'x').first(), reauthenticate: true, state: other };
  const switched = await chain.runEnhancedAuth(connected, step);
  assert.ok(switched !== 'defer' && switched.decision === 'deny');
});

test('credentials may come from an async function', async () => {
  const creds = createScramCredentials('s3cret', 4096);
  const chain = new HookChain(createRecordingLogger());
  chain.add(new ScramSha256({ credentials: async (user) => Promise.resolve(user === 'dev' ? creds : undefined) }));
  const result = await exchange(chain, createClient(), new ScramClient('dev', 's3cret'));
  assert.ok(result !== 'defer' && result.decision === 'allow');
});
