// `swiftlet [serve]`: resolve the configuration, start everything, report where it listens, reload on SIGHUP, stop on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import { formatIssue } from '../config/config-checker.js';
import type { ConfigIssue } from '../config/config-checker.js';
import { createLogger } from '../server/create-logger.js';
import { SwiftletServer } from '../server/create-server.js';
import type { BoundAddress } from '../server/create-server.js';
import { startupSummary } from '../server/startup-summary.js';
import { checkTlsListeners } from '../server/tls-check.js';
import { resolveConfig } from '../config/load-config.js';
import type { ResolveOptions, ResolvedConfig } from '../config/load-config.js';
import type { SwiftletConfig } from '../config/config-types.js';
import { hostname } from 'node:os';
import { isWorker, runWorkers, stopWithPrimary, WORKER_INDEX_ENV } from './workers.js';

/** The number of worker processes asked for (1 = this process serves); problems are added to `issues`. */
function workerCount(text: string | undefined, clustered: boolean, issues: ConfigIssue[]): number {
  if (text === undefined || text === '') return 1;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    issues.push({ path: '--workers', message: `expected a number of processes from 1 to 256, found ${JSON.stringify(text)}` });
    return 1;
  }
  if (n > 1 && !clustered) {
    issues.push({ path: '--workers', message: 'expected --cluster redis://… as well: the workers share sessions, routes and retained messages through Redis' });
    return 1;
  }
  return n;
}

/** Streams and environment of a command; injectable for tests. */
export interface CommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
}

/** The process's own streams and environment. */
export const PROCESS_IO: CommandIo = { stdout: process.stdout, stderr: process.stderr, env: process.env };

/** Prints every configuration problem on its own line, in the stable `swiftlet: invalid configuration:` form. */
export function printIssues(io: CommandIo, issues: readonly ConfigIssue[]): void {
  for (const issue of issues) io.stderr.write(`swiftlet: invalid configuration: ${formatIssue(issue)}\n`);
}

/** Flags of the serve command (also accepted without the `serve` word). */
export const SERVE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  host: { type: 'string' },
  port: { type: 'string', short: 'p' },
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
  'http-host': { type: 'string' },
  'http-port': { type: 'string' },
  cluster: { type: 'string' },
  workers: { type: 'string' },
} as const;

/** Runs the server until SIGINT or SIGTERM; resolves the exit code (0 clean stop, 1 start failure, 2 bad configuration). */
export async function runServe(argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: SERVE_OPTIONS, strict: true, allowPositionals: false });
  const resolveOptions: ResolveOptions = {
    configFile: values.config,
    env: io.env,
    flags: {
      host: values.host,
      port: values.port,
      logLevel: values['log-level'],
      logFormat: values['log-format'],
      httpHost: values['http-host'],
      httpPort: values['http-port'],
      cluster: values.cluster,
    },
  };
  const resolved = resolveConfig(resolveOptions);
  const workers = workerCount(values.workers ?? io.env.SWIFTLET_WORKERS, resolved.config.cluster !== undefined, resolved.issues);
  if (resolved.issues.length === 0) resolved.issues.push(...(await checkTlsListeners(resolved.config)));
  if (resolved.issues.length > 0) {
    printIssues(io, resolved.issues);
    return 2;
  }
  if (workers > 1 && !isWorker()) return runWorkers(workers, io);
  const workerIndex = io.env[WORKER_INDEX_ENV];
  if (isWorker() && workerIndex !== undefined && resolved.config.cluster !== undefined) {
    // Each worker is a node of its own: the configured node id (or the host name) with the worker's number.
    const base = resolved.config.cluster.nodeId ?? resolved.config.id ?? hostname();
    resolved.config.cluster.nodeId = `${base}-w${workerIndex}`;
  }
  const logger = createLogger(resolved.config.logging, io.stderr);
  let server: SwiftletServer;
  try {
    server = await SwiftletServer.create(resolved.config, logger);
  } catch (err) {
    printIssues(io, [{ path: '', message: err instanceof Error ? err.message : String(err) }]);
    return 2;
  }
  let bound: BoundAddress[];
  try {
    bound = await server.start();
  } catch (err) {
    io.stderr.write(`swiftlet: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  for (const b of bound) {
    io.stdout.write(`swiftlet: ${b.kind} listening on ${b.where}\n`);
    logger.info({ kind: b.kind, id: b.id, address: b.where }, `${b.kind} listening`);
  }
  logger.info({ ...startupSummary(resolved.config, bound, resolved.file), brokerId: server.broker.id }, 'swiftlet started');
  // SIGHUP reads the file again with the same environment and flags, so they keep winning over it.
  await waitForStop(server, () => (resolved.file === undefined ? undefined : resolveConfig(resolveOptions)));
  io.stdout.write('swiftlet: shutting down\n');
  logger.info({}, 'shutting down');
  // close() stops the listeners, sends DISCONNECT 0x8B (server shutting down) to 5.0 clients, flushes, stops hooks.
  await server.close();
  logger.info({}, 'stopped');
  // A worker's channel to the primary would keep it alive: close it so the process ends like a single one.
  if (isWorker()) process.disconnect();
  return 0;
}

/** Re-reads the configuration, applies what it can and logs every outcome (the running settings stay on any error). */
async function reload(server: SwiftletServer, reread: () => ResolvedConfig | undefined): Promise<void> {
  const logger = server.logger;
  const resolved = reread();
  logger.info({ config: resolved?.file ?? null }, 'SIGHUP: reloading the configuration, the ledger file and TLS certificates');
  let next: SwiftletConfig | undefined = resolved?.config;
  if (resolved !== undefined && resolved.issues.length > 0) {
    for (const issue of resolved.issues) logger.error({ config: resolved.file, issue: formatIssue(issue) }, 'invalid configuration, keeping the running one');
    next = undefined;
  }
  const result = await server.reload(next);
  for (const key of result.applied) logger.info({ change: key }, 'configuration change applied');
  for (const f of result.failed) logger.error({ change: f.key, error: f.error }, 'configuration change not applied, keeping the previous setting');
  for (const key of result.restart) logger.warn({ key }, 'configuration change needs a restart to take effect');
  for (const c of result.certificates) {
    if (c.ok) logger.info({ listener: c.id }, 'certificates reloaded');
    else logger.error({ listener: c.id, error: c.error }, 'certificate reload failed, keeping the previous ones');
  }
  logger.info({ ledger: result.ledger ?? null, applied: result.applied, restart: result.restart }, 'reload done');
  server.applyLogLevel(result);
}

/** Reloads on SIGHUP until SIGINT or SIGTERM arrives; a second stop signal during shutdown exits at once. */
function waitForStop(server: SwiftletServer, reread: () => ResolvedConfig | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    let reloading = Promise.resolve();
    const onHup = (): void => {
      // One reload at a time, in signal order.
      reloading = reloading.then(() => reload(server, reread)).catch((err: unknown) => server.logger.error({ err }, 'reload failed'));
    };
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', onHup);
      server.logger.info({ signal }, 'stop requested');
      // An impatient second Ctrl-C should not wait for the grace period.
      process.once('SIGINT', () => process.exit(130));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    stopWithPrimary(() => stop('SIGTERM'));
    process.on('SIGHUP', onHup);
  });
}
