// Runs the `swiftlet` command as a real child process from a config file, so a test can kill it with SIGKILL the way
// a crash or an OOM kill would, and start it again on the same storage.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mqttPort, run } from './cli-process.js';

/** A running broker process. */
export interface BrokerProcess {
  readonly port: number;
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: string[];
  readonly stdout: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Kills it (SIGKILL: no shutdown code runs) and waits for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Writes `yaml` to `file` and starts `swiftlet --config file`; resolves once it listens (or rejects with its output). */
export async function startBrokerProcess(file: string, yaml: string): Promise<BrokerProcess> {
  writeFileSync(file, yaml);
  const r = run(['--config', file]);
  let port: number;
  try {
    port = await mqttPort(r, 30_000);
  } catch (err) {
    if (r.child.exitCode !== null) throw new Error(`broker process exited with ${r.child.exitCode}: ${r.stderr.join('\n')}`, { cause: err });
    throw err;
  }
  return {
    port,
    child: r.child,
    stdout: r.stdout,
    stderr: r.stderr,
    exited: r.exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
      await r.exited;
    },
  };
}

/** The config of a crash-test broker: one TCP listener on a free port, quiet logs, the given storage section. */
export function crashConfig(storage: string): string {
  return [
    'listeners:',
    '  - type: tcp',
    '    port: 0',
    'logging:',
    '  level: warn',
    '  format: json',
    'sys:',
    '  interval: 0',
    'capabilities:',
    '  maximumQueuedMessages: 100000',
    'storage:',
    ...storage.split('\n').map((l) => `  ${l}`),
    '',
  ].join('\n');
}
