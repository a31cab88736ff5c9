// `swiftlet --workers N`: N broker processes on one machine sharing the listening sockets (node:cluster), joined
// through the cluster's Redis so that they act as one broker and use every core.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import type { CommandIo } from './serve-command.js';

/** The environment variable a worker finds its number in (1..N). */
export const WORKER_INDEX_ENV = 'SWIFTLET_WORKER_INDEX';

/** Runs as the primary: forks `count` workers with the same command line, restarts one that dies, stops them all on a signal. */
export function runWorkers(count: number, io: CommandIo): Promise<number> {
  return new Promise<number>((resolve) => {
    const workers = new Map<number, Worker>();
    let stopping = false;
    let failedFast = 0;
    const fork = (index: number): void => {
      const started = Date.now();
      const worker = cluster.fork({ ...io.env, [WORKER_INDEX_ENV]: String(index) });
      workers.set(index, worker);
      worker.on('exit', (code, signal) => {
        workers.delete(index);
        if (stopping) {
          if (workers.size === 0) finish();
          return;
        }
        // A worker that dies within seconds of starting will die again (bad configuration, Redis unreachable): give up.
        if (Date.now() - started < 5000 && ++failedFast >= count * 3) {
          io.stderr.write(`swiftlet: workers keep failing at start (last: worker ${index}, exit ${code ?? signal}); stopping\n`);
          stop('SIGTERM');
          return;
        }
        io.stderr.write(`swiftlet: worker ${index} exited (${code ?? signal}); starting it again\n`);
        fork(index);
      });
    };
    const finish = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.off('SIGHUP', reload);
      resolve(failedFast >= count * 3 ? 1 : 0);
    };
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) return;
      stopping = true;
      if (workers.size === 0) finish();
      for (const w of workers.values()) w.process.kill(signal);
    };
    const reload = (): void => {
      for (const w of workers.values()) w.process.kill('SIGHUP');
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    process.on('SIGHUP', reload);
    for (let i = 1; i <= count; i++) fork(i);
  });
}

/** In a worker: stop like on SIGTERM when the primary is gone (its IPC channel closed), so no worker outlives it. */
export function stopWithPrimary(stop: () => void): void {
  if (cluster.isWorker) process.once('disconnect', stop);
}

/** True in a worker process started by runWorkers. */
export function isWorker(): boolean {
  return cluster.isWorker;
}
