// Runs the real `swiftlet` command (src/cli/main.ts under tsx) as a child process and collects its output lines.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { waitFor } from './broker.js';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'src/cli/main.ts');

/** A running command: its output so far, line by line, and its exit code once it ends. */
export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

/** A clean environment: no SWIFTLET_* variables leak in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SWIFTLET_')) env[k] = v;
  return { ...env, ...extra };
}

/** Starts `swiftlet ARGS...` in the repository root. */
export function run(args: string[], env: Record<string, string> = {}, cwd = ROOT): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd, env: cleanEnv(env) });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const split = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer): void => {
      rest += chunk.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      into.push(...lines);
    };
  };
  child.stdout.on('data', split(stdout));
  child.stderr.on('data', split(stderr));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, stdout, stderr, exited };
}

/** Waits for the stable `swiftlet: MQTT listening on HOST:PORT` line and returns the port. */
export async function mqttPort(r: Running, timeoutMs = 15_000): Promise<number> {
  const pattern = /^swiftlet: MQTT listening on 127\.0\.0\.1:(\d+)$/;
  await waitFor(() => r.stdout.some((l) => pattern.test(l)) || r.child.exitCode !== null, timeoutMs, `listening line (stderr: ${r.stderr.join(' | ')})`);
  const line = r.stdout.find((l) => pattern.test(l));
  if (line === undefined) throw new Error(`the command exited ${r.child.exitCode}: ${r.stderr.join(' | ')}`);
  return Number(pattern.exec(line)![1]);
}

/** The JSON log lines (pino) written to stderr so far. */
export function logLines(r: Running): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of r.stderr) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a partial line; the next read completes it
    }
  }
  return out;
}

/** Waits for a log line with this message (and matching fields) and returns it. */
export async function waitForLog(r: Running, msg: string, match: (line: Record<string, unknown>) => boolean = () => true, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  let found: Record<string, unknown> | undefined;
  await waitFor(
    () => {
      found = logLines(r).find((l) => l.msg === msg && match(l));
      return found !== undefined;
    },
    timeoutMs,
    `log line "${msg}" (stderr: ${r.stderr.slice(-5).join(' | ')})`,
  );
  return found!;
}
