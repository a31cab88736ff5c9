// Broker process readings from /proc (Linux): resident memory and CPU time.
import { readFileSync } from 'node:fs';

/** Resident set size of a process in KiB (VmRSS), or null when it cannot be read. */
export function readRssKb(pid: number): number | null {
  if (pid <= 0) return null;
  try {
    const m = /^VmRSS:\s*(\d+)\s*kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/** User + system CPU seconds a process has used (all threads), or null when unreadable. */
export function readCpuSeconds(pid: number): number | null {
  if (pid <= 0) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name may contain spaces; fields resume after its closing parenthesis
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    // USER_HZ is 100 on every mainstream Linux build
    return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / 100 : null;
  } catch {
    return null;
  }
}

/** Measures CPU use of this process and of the broker between start() and stop(), in cores. */
export class CpuMeter {
  #t0 = 0n;
  #own = process.cpuUsage();
  #broker: number | null = null;
  readonly #pid: number;

  constructor(brokerPid: number) {
    this.#pid = brokerPid;
  }

  /** Starts the measurement. */
  start(): void {
    this.#t0 = process.hrtime.bigint();
    this.#own = process.cpuUsage();
    this.#broker = readCpuSeconds(this.#pid);
  }

  /** Ends it: cores used by the generator (all its threads) and by the broker (null when unknown). */
  stop(): { generator: number; broker: number | null } {
    const wall = Number(process.hrtime.bigint() - this.#t0) / 1e9;
    const own = process.cpuUsage(this.#own);
    const b1 = readCpuSeconds(this.#pid);
    const round = (v: number): number => Math.round(v * 100) / 100;
    return {
      generator: wall > 0 ? round((own.user + own.system) / 1e6 / wall) : 0,
      broker: this.#broker !== null && b1 !== null && wall > 0 ? round((b1 - this.#broker) / wall) : null,
    };
  }
}
