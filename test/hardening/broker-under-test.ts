// The broker a hardening run attacks: the real `swiftlet` command in a child process, so its memory is its own,
// a crash is an exit code, and whatever it writes to stderr can be checked for uncaught errors afterwards.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../helpers/broker.js';
import { logLines, mqttPort, run } from '../helpers/cli-process.js';
import type { Running } from '../helpers/cli-process.js';

/** A running broker process and what can be read about it from outside. */
export interface BrokerUnderTest {
  readonly port: number;
  /** Port of the HTTP server when the config has an `http` section (metrics), else undefined. */
  readonly httpPort: number | undefined;
  readonly pid: number;
  /** True while the process runs. */
  alive(): boolean;
  /** Resident memory now, KiB (VmRSS). */
  rssKb(): number;
  /** The highest resident memory so far, KiB (VmHWM, kept by the kernel: no sample can miss a spike). */
  peakRssKb(): number;
  /** Open file descriptors of the process (sockets, files, pipes). */
  openFds(): number;
  /**
   * Everything on stderr that signals a defect: lines that are not JSON log records (a stack trace of an uncaught
   * exception or unhandled rejection, a Node warning) and log records at error level or above.
   */
  problems(): string[];
  /** Reads `GET /metrics` (needs an `http` section): each sample line as `name{labels}` → value. */
  metrics(): Promise<Map<string, number>>;
  /** SIGTERM, then SIGKILL after 10 s; returns the exit code (null for a signal). */
  stop(): Promise<number | null>;
}

/**
 * The YAML of a loopback broker on a free port with JSON logs at warn and no $SYS: `sections` are more top-level
 * YAML lines, `listenerKeys` more keys of the TCP listener (`maxConnections: 10`, ...).
 */
export function hardeningConfig(sections: readonly string[] = [], listenerKeys: readonly string[] = []): string {
  return ['listeners:', '  - type: tcp', '    port: 0', ...listenerKeys.map((k) => `    ${k}`), 'logging:', '  level: warn', '  format: json', 'sys:', '  interval: 0', ...sections, ''].join('\n');
}

/** Starts `swiftlet --config <file>` with `yaml` and waits for its listening line. */
export async function startBrokerUnderTest(yaml: string): Promise<BrokerUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-hardening-'));
  const file = join(dir, 'broker.yaml');
  writeFileSync(file, yaml);
  const r: Running = run(['--config', file]);
  let port: number;
  try {
    port = await mqttPort(r, 60_000);
  } catch (err) {
    r.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = r.child.pid ?? 0;
  if (/^http:/m.test(yaml)) await waitFor(() => r.stdout.some((l) => l.startsWith('swiftlet: HTTP listening')), 30_000, 'the HTTP listening line');
  const httpLine = r.stdout.map((l) => /^swiftlet: HTTP listening on 127\.0\.0\.1:(\d+)$/.exec(l)).find((m) => m !== null);
  const httpPort = httpLine?.[1] === undefined ? undefined : Number(httpLine[1]);
  const status = (field: string): number => {
    const m = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? 0 : Number(m[1]);
  };
  return {
    port,
    httpPort,
    pid,
    alive: () => r.child.exitCode === null && r.child.signalCode === null,
    rssKb: () => status('VmRSS'),
    peakRssKb: () => status('VmHWM'),
    openFds: () => {
      try {
        return readdirSync(`/proc/${pid}/fd`).length;
      } catch {
        return 0;
      }
    },
    problems: () => {
      const out = r.stderr.filter((line) => line.trim() !== '' && !line.startsWith('{'));
      for (const rec of logLines(r)) if (typeof rec.level === 'number' && rec.level >= 50) out.push(JSON.stringify(rec));
      return out;
    },
    async metrics() {
      if (httpPort === undefined) throw new Error('the broker has no http section');
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      const out = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.trim() === '') continue;
        const space = line.lastIndexOf(' ');
        out.set(line.slice(0, space), Number(line.slice(space + 1)));
      }
      return out;
    },
    async stop() {
      if (r.child.exitCode === null && r.child.signalCode === null) {
        r.child.kill('SIGTERM');
        const timer = setTimeout(() => r.child.kill('SIGKILL'), 10_000);
        const code = await r.exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        return code;
      }
      rmSync(dir, { recursive: true, force: true });
      return r.child.exitCode;
    },
  };
}

