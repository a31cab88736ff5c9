// Shared by the bridge tests: a real Mosquitto on a free port, free ports, and waits on bridge state.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Broker, BridgeStatus } from '../../src/index.js';
import { waitFor } from '../helpers/broker.js';
import { freePort } from '../helpers/ports.js';

/** Where the mosquitto binary is; the tests fail (not skip) without it: `apt-get install -y mosquitto`. */
export function mosquittoPath(): string {
  for (const p of ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto']) {
    if (spawnSync(p, ['-h']).error === undefined) return p;
  }
  throw new Error('mosquitto is not installed (Debian: apt-get install -y mosquitto); the bridge tests need a real Mosquitto');
}

/** A Mosquitto process started by a test. */
export interface Mosquitto {
  readonly port: number;
  readonly dir: string;
  /** Stops it (SIGTERM) and waits for the exit; it saves its persistence file, when configured, on the way out. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same configuration. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  remove(): Promise<void>;
}

/** Starts Mosquitto on a free port (or `port`), anonymous access, persistence in its own folder; `extra` lines are appended to its config. */
export async function startMosquitto(extra: string[] = [], port?: number): Promise<Mosquitto> {
  const bin = mosquittoPath();
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-mosquitto-'));
  const p = port ?? (await freePort());
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    // `user`: when started as root Mosquitto would switch to its own user, which cannot read our temp folder.
    [`user ${userInfo().username}`, `listener ${p} 127.0.0.1`, 'allow_anonymous true', 'persistence true', `persistence_location ${dir}/`, 'log_dest stderr', 'log_type error', ...extra, ''].join('\n'),
  );
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const proc = spawn(bin, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    proc.once('exit', () => (exited = true));
    // Ready once it accepts TCP connections.
    const probe = { ok: false };
    const ports = [p, ...extra.flatMap((line) => /^listener (\d+)/.exec(line)?.slice(1).map(Number) ?? [])];
    for (let i = 0; i < 500 && !exited; i++) {
      if ((await Promise.all(ports.map(canConnect))).every(Boolean)) {
        probe.ok = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    if (!probe.ok || exited) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not start: ${stderr}`);
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  await launch();
  return {
    port: p,
    dir,
    stop,
    restart: launch,
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** One bridge's status from a broker. */
export function bridgeStatus(broker: Broker, name: string): BridgeStatus {
  const s = broker.bridges().find((b) => b.name === name);
  if (s === undefined) throw new Error(`no bridge ${name}`);
  return s;
}

/** Waits until the bridge is connected to its remote. */
export async function waitConnected(broker: Broker, name: string, timeoutMs = 5000): Promise<void> {
  await waitFor(() => bridgeStatus(broker, name).connected, timeoutMs, `bridge ${name} to connect`);
}
