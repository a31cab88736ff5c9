// Runs a webhook's delivery on a worker thread: hands it record chunks, restarts it when it dies, closes it cleanly.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HookLogger } from '../hook.js';
import { DeliveryCounters } from './webhook-counters.js';
import type { DeliverySettings, FromDelivery, ToDelivery } from './webhook-delivery.js';
import type { RecordChunk } from './webhook-record.js';
import type * as Esbuild from 'esbuild';

/** Settings of the delivery thread, without the counters (each thread started gets fresh ones). */
export type ThreadSettings = Omit<DeliverySettings, 'counters'>;

/** Delivery totals over every thread started so far. */
export interface ThreadCounts {
  sent: number;
  droppedFailed: number;
  failedAttempts: number;
}

/** First wait before a thread that died is started again; doubled per death in a row, up to the maximum. */
const RESTART_INITIAL_MS = 100;
const RESTART_MAX_MS = 30_000;
/** A thread that ran this long resets the restart delay. */
const STABLE_MS = 10_000;

/** The delivery script bundled into one CommonJS text, when running from the TypeScript sources (tests, tsx). */
let sourceBundle: string | undefined;

/**
 * Starts the delivery script. From the TypeScript sources it is bundled once per process with esbuild (a
 * development dependency) and run without tsx in the thread: loading tsx in every thread took seconds.
 */
function startWorker(settings: DeliverySettings): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./webhook-worker.js', import.meta.url), { workerData: settings });
  if (sourceBundle === undefined) {
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
    const built = esbuild.buildSync({ entryPoints: [fileURLToPath(new URL('./webhook-worker.ts', import.meta.url))], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent' });
    sourceBundle = built.outputFiles[0]!.text;
  }
  return new Worker(sourceBundle, { eval: true, workerData: settings, execArgv: [] });
}

/**
 * One delivery thread at a time. Chunks are posted in order; while no thread runs (before `start`, or between a
 * death and the restart) they wait in a backlog. The events a dying thread held are counted as dropped (failed).
 */
export class DeliveryThread {
  readonly #settings: ThreadSettings;
  readonly #logger: () => HookLogger;
  readonly #onIdle: () => void;
  #worker: Worker | undefined;
  #counters = new DeliveryCounters();
  /** Records posted to the current thread, modulo 2^32 like the counters' `released`. */
  #posted = 0;
  readonly #backlog: RecordChunk[] = [];
  #backlogCount = 0;
  /** Totals of the threads that ended. */
  readonly #retired: ThreadCounts = { sent: 0, droppedFailed: 0, failedAttempts: 0 };
  #startedAt = 0;
  #restartDelay = RESTART_INITIAL_MS;
  #restartTimer: NodeJS.Timeout | undefined;
  #started = false;
  #closing = false;
  #whenClosed: (() => void) | undefined;

  constructor(settings: ThreadSettings, logger: () => HookLogger, onIdle: () => void) {
    this.#settings = settings;
    this.#logger = logger;
    this.#onIdle = onIdle;
  }

  /** The running worker (for diagnostics; undefined before start, after close and while waiting to restart). */
  get worker(): Worker | undefined {
    return this.#worker;
  }

  /** Starts the thread once; later calls do nothing. */
  start(brokerId: string): void {
    if (this.#started || this.#closing) return;
    this.#started = true;
    this.#settings.brokerId = brokerId;
    this.#spawn();
  }

  /** Hands a chunk to the thread (ownership of its buffer moves there). */
  post(chunk: RecordChunk): void {
    const worker = this.#worker;
    if (worker === undefined) {
      this.#backlog.push(chunk);
      this.#backlogCount += chunk.count;
      return;
    }
    this.#posted = (this.#posted + chunk.count) | 0;
    worker.postMessage({ type: 'records', chunk } satisfies ToDelivery, [chunk.buffer]);
  }

  /** Events handed over and neither sent nor given up yet. */
  outstanding(): number {
    return this.#backlogCount + ((this.#posted - this.#counters.released()) | 0);
  }

  counts(): ThreadCounts {
    const c = this.#counters.read();
    return { sent: this.#retired.sent + c.sent, droppedFailed: this.#retired.droppedFailed + c.droppedFailed, failedAttempts: this.#retired.failedAttempts + c.failedAttempts };
  }

  /**
   * Lets the thread send what it holds (one attempt per batch, up to `graceMs`), then ends it; whatever was not
   * sent by then is counted as dropped. Leaves no thread and no timer behind.
   */
  async close(graceMs: number): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (worker !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#whenClosed = resolve;
        worker.postMessage({ type: 'close', graceMs } satisfies ToDelivery);
        // A thread that does not answer (stuck in a long computation) is ended anyway.
        timer = setTimeout(resolve, graceMs + 2000);
      });
      clearTimeout(timer);
      this.#retire();
      this.#worker = undefined;
      await worker.terminate();
    }
    // Chunks that never reached a thread.
    this.#retired.droppedFailed += this.#backlogCount;
    this.#backlog.length = 0;
    this.#backlogCount = 0;
    this.#onIdle();
  }

  #spawn(): void {
    this.#restartTimer = undefined;
    this.#counters = new DeliveryCounters();
    this.#posted = 0;
    this.#startedAt = Date.now();
    const worker = startWorker({ ...this.#settings, counters: this.#counters.buffer });
    this.#worker = worker;
    worker.on('message', (msg: FromDelivery) => {
      if (msg.type === 'idle') this.#onIdle();
      else if (msg.type === 'closed') this.#whenClosed?.();
      else this.#logger()[msg.level](msg.obj, msg.msg);
    });
    worker.on('error', (err) => {
      this.#logger().error({ hook: this.#settings.id, err }, `${this.#settings.id}: delivery thread failed`);
    });
    worker.on('exit', (code) => this.#exited(worker, code));
    const backlog = this.#backlog.splice(0);
    this.#backlogCount = 0;
    for (const chunk of backlog) this.post(chunk);
  }

  #exited(worker: Worker, code: number): void {
    if (this.#worker !== worker) return;
    this.#whenClosed?.();
    if (this.#closing) return;
    const lost = (this.#posted - this.#counters.released()) | 0;
    this.#retire();
    this.#worker = undefined;
    if (Date.now() - this.#startedAt >= STABLE_MS) this.#restartDelay = RESTART_INITIAL_MS;
    const delay = this.#restartDelay;
    this.#restartDelay = Math.min(RESTART_MAX_MS, delay * 2);
    this.#logger().error({ hook: this.#settings.id, exitCode: code, lost, restartInMs: delay }, `${this.#settings.id}: delivery thread stopped; ${lost} events lost, restarting`);
    this.#restartTimer = setTimeout(() => this.#spawn(), delay);
    this.#onIdle();
  }

  /** Moves the current thread's counters into the totals; what it still held counts as dropped. */
  #retire(): void {
    const c = this.#counters.read();
    const lost = (this.#posted - c.released) | 0;
    this.#retired.sent += c.sent;
    this.#retired.droppedFailed += c.droppedFailed + Math.max(0, lost);
    this.#retired.failedAttempts += c.failedAttempts;
    this.#counters = new DeliveryCounters();
    this.#posted = 0;
  }
}
