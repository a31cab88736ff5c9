// `npm start` as a supervisor sees it: SIGTERM to the npm process stops the broker (exit 0) and leaves no process behind.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../helpers/broker.js';

const ROOT = resolve(import.meta.dirname, '../..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM to `npm start` reaches the broker: it shuts down, npm exits 0, and no broker process is left', { timeout: 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWIFTLET_') && !k.startsWith('npm_')) env[k] = v;
  const npm = spawn('npm', ['start', '--', '--port', '0', '--log-format', 'json'], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  npm.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  npm.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)));
  let brokerPid = 0;
  try {
    await waitFor(() => /"msg":"MQTT listening"/.test(stderr), 30_000, `listening log line (stderr: ${stderr})`);
    // The pino lines carry the broker's own process id.
    brokerPid = (JSON.parse(stderr.split('\n').find((l) => l.includes('"msg":"MQTT listening"'))!) as { pid: number }).pid;
    assert.notEqual(brokerPid, npm.pid, 'the broker runs in a child of npm');
    assert.ok(alive(brokerPid));
  } finally {
    npm.kill('SIGTERM');
  }
  assert.equal(await exited, 0, `npm exit code (stderr: ${stderr})`);
  assert.match(stdout, /swiftlet: shutting down/);
  await waitFor(() => !alive(brokerPid), 5000, 'the broker process to be gone');
  assert.equal(alive(brokerPid), false);
  // The script execs node, so npm's signal goes to the broker itself rather than to a shell in between.
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts.start!, /^exec node /);
});
