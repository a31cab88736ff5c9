// Starts a real redis-server for a test: a free loopback port, its own temporary folder, AOF with appendfsync always
// (what docs/persistence.md asks of a durable store). Fails (never skips) when redis-server is not installed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server', '/usr/sbin/redis-server'];

/** A running redis-server. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Stops it with SIGKILL (as a crash) or SIGTERM, and waits for the exit. */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port and folder (the AOF is replayed). */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered until resume() (SIGCONT). */
  pause(): void;
  resume(): void;
  /** Lets the test process exit while it runs (the caller stops it at exit). */
  unref(): void;
  /** Stops it at once (SIGKILL) and removes its folder, synchronously: for a process 'exit' handler. */
  killNow(): void;
}

/** How the server keeps its data. */
export interface RedisServerOptions {
  /** AOF with appendfsync always (default true); false keeps everything in memory only (a cache, a test bus). */
  readonly durable?: boolean;
}

/** Path of redis-server; throws a clear error when it is missing (install the `redis-server` Debian package). */
export function redisServerPath(): string {
  const found = CANDIDATES.find((p) => existsSync(p));
  if (found === undefined) throw new Error('redis-server is not installed (apt-get install redis-server): the Redis tests need a real server');
  return found;
}

/** Starts a redis-server and waits until it accepts commands. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = redisServerPath();
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  const launch = async (): Promise<void> => {
    const storage = options.durable === false ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always'];
    const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...storage, '--save', '', '--protected-mode', 'no', '--loglevel', 'warning'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
    proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
    exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    await waitForPing(port, () => proc.exitCode !== null, () => output);
  };

  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop,
    restart: launch,
    async destroy() {
      await stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    unref() {
      child?.unref();
      // The pipes are sockets at run time; their unref lets the event loop end too.
      for (const pipe of [child?.stdout, child?.stderr]) (pipe as unknown as { unref?: () => void } | null | undefined)?.unref?.();
    },
    killNow() {
      if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// PING over a raw socket until +PONG (the server loads its AOF before answering).
async function waitForPing(port: number, died: () => boolean, output: () => string): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (died()) throw new Error(`redis-server exited: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not answer on port ${port}: ${output()}`);
}
