// Runs the `swiftlet` command as a real child process from a config file, so a test can kill it with SIGKILL the way
// a crash or an OOM kill would, and start it again on the same storage.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { waitFor } from './broker.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

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
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWIFTLET_')) env[k] = v;
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', file], { cwd: ROOT, env });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer): void => {
      rest += chunk.toString('utf8');
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      into.push(...parts);
    };
  };
  child.stdout.on('data', lines(stdout));
  child.stderr.on('data', lines(stderr));
  let code: number | null | undefined;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (c) => {
      code = c;
      done(c);
    }),
  );
  const pattern = /^swiftlet: MQTT listening on 127\.0\.0\.1:(\d+)$/;
  await waitFor(() => code !== undefined || stdout.some((l) => pattern.test(l)), 30_000, 'broker process listening');
  if (code !== undefined) throw new Error(`broker process exited with ${code}: ${stderr.join('\n')}`);
  const port = Number(pattern.exec(stdout.find((l) => pattern.test(l))!)![1]);
  return {
    port,
    child,
    stdout,
    stderr,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (code === undefined) child.kill(signal);
      await exited;
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
