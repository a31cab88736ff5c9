// Starts and stops the broker under test: a fresh process per run, pinned to one CPU when taskset exists.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createServer } from 'node:net';
import { writeFileSync, mkdtempSync, existsSync, openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

/** A broker to benchmark: a label and a shell command with `{port}` in it. */
export interface BrokerSpec {
  name: string;
  command: string;
}

/** A running broker. */
export interface RunningBroker {
  readonly spec: BrokerSpec;
  readonly port: number;
  readonly pid: number;
  /** Stops it: SIGTERM, then SIGKILL after the timeout (ms). */
  stop(timeoutMs?: number): Promise<void>;
  /** True while the process runs. */
  alive(): boolean;
}

/** True when a program is on PATH. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Writes a Mosquitto config for benchmarking (anonymous, loopback, no persistence, quiet) and returns its path. */
export function writeMosquittoConfig(port: number, dir = mkdtempSync(join(tmpdir(), 'swiftlet-bench-'))): string {
  const path = join(dir, `mosquitto-${port}.conf`);
  writeFileSync(
    path,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      // large queues so a burst is measured, not dropped at the default of 1000
      'max_queued_messages 1000000',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'connection_messages false',
      '',
    ].join('\n'),
  );
  return path;
}

/** The default brokers: this package's CLI, plus Mosquitto when installed. */
export function defaultBrokers(): BrokerSpec[] {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const built = join(root, 'dist', 'cli', 'main.js');
  const command = existsSync(built)
    ? `node ${built} --host 127.0.0.1 --port {port}`
    : `node --import tsx ${join(root, 'src', 'cli', 'main.ts')} --host 127.0.0.1 --port {port}`;
  const list: BrokerSpec[] = [{ name: 'swiftlet', command }];
  if (hasCommand('mosquitto')) list.push({ name: 'mosquitto', command: 'mosquitto-bench {port}' });
  return list;
}

/** Expands `{port}` and the `mosquitto-bench` shorthand into the shell command to exec. */
export function expandCommand(command: string, port: number): string {
  const cmd = command.replaceAll('{port}', String(port));
  const m = /^mosquitto-bench(?:\s+\d+)?$/.exec(cmd.trim());
  return m !== null ? `mosquitto -c ${writeMosquittoConfig(port)}` : cmd;
}

/** Waits until something accepts TCP connections on the port; false after the timeout or if the process ended. */
export async function waitForPort(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(50);
  }
  return false;
}

/** Starts a broker on a free port (pinned to `cpu` with taskset when given and available) and waits for it. */
export async function startBroker(spec: BrokerSpec, opts: { cpu: number | null; logFile: string; timeoutMs?: number }): Promise<RunningBroker> {
  const port = await findFreePort();
  const cmd = expandCommand(spec.command, port);
  // exec keeps the broker's own pid, so /proc readings are the broker's; raise the fd limit for conns
  const script = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${cmd}`;
  const args = opts.cpu !== null && hasCommand('taskset') ? ['taskset', '-c', String(opts.cpu), 'sh', '-c', script] : ['sh', '-c', script];
  const log = openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(args[0]!, args.slice(1), { stdio: ['ignore', log, log] });
  closeSync(log);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const running: RunningBroker = {
    spec,
    port,
    pid: child.pid ?? 0,
    alive: () => !exited,
    async stop(timeoutMs = 5000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      await exit;
      clearTimeout(timer);
    },
  };
  if (!(await waitForPort(port, opts.timeoutMs ?? 15000, () => !exited))) {
    await running.stop(1000);
    throw new Error(`broker ${spec.name} did not accept connections on port ${port} (log: ${opts.logFile})`);
  }
  return running;
}

/** Pins this process (all threads) to the CPUs other than `brokerCpu`; returns the list or null when not possible. */
export function pinGenerator(brokerCpu: number, cpus: number): string | null {
  if (cpus < 2 || !hasCommand('taskset')) return null;
  const list = Array.from({ length: cpus }, (_, i) => i).filter((c) => c !== brokerCpu).join(',');
  const r = spawnSync('taskset', ['-a', '-pc', list, String(process.pid)], { stdio: 'ignore' });
  return r.status === 0 ? list : null;
}
