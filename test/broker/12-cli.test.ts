// The `swiftlet` command end to end: serve on port 0, publish/subscribe through it, SIGTERM shuts it down cleanly.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { IDisconnectPacket } from 'mqtt';
import { connectClient, collect, waitFor, endClient } from '../helpers/broker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('cli', () => {
  test('swiftlet --port 0 prints the bound port, serves MQTT, and exits 0 on SIGTERM after DISCONNECT 0x8B to 5.0 clients', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      await waitFor(() => /listening on [^\s:]+:\d+/.test(stdout) || child.exitCode !== null, 15_000, `listening line (stderr: ${stderr})`);
      const m = /listening on ([^\s:]+):(\d+)/.exec(stdout);
      assert.ok(m !== null, `no listening line in ${JSON.stringify(stdout)} / ${stderr}`);
      const port = Number(m[2]);
      assert.ok(port > 0, 'port 0 must be replaced by the bound port');

      const sub = await connectClient(port, { protocolVersion: 5 });
      const pub = await connectClient(port, { protocolVersion: 4 });
      const got = collect(sub);
      await sub.subscribeAsync('cli/+', { qos: 1 });
      await pub.publishAsync('cli/hello', 'over the cli', { qos: 1 });
      await waitFor(() => got.length === 1, 3000, 'message through the CLI broker');
      assert.equal(got[0]!.payload.toString(), 'over the cli');

      let disconnect: IDisconnectPacket | undefined;
      sub.on('disconnect', (p) => (disconnect = p));
      child.kill('SIGTERM');
      const code = await exited;
      assert.equal(code, 0, stderr);
      await waitFor(() => disconnect !== undefined, 3000, 'DISCONNECT at shutdown');
      assert.equal(disconnect!.reasonCode, 0x8b);
      assert.match(stdout, /shutting down/);
      await endClient(sub);
      await endClient(pub);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('swiftlet --port with an invalid value exits 2 with a message', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--port', 'nope'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 2);
    assert.match(stderr, /--port/);
  });
});
