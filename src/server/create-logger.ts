// The server's pino logger: JSON lines, or readable lines on a terminal, written to stderr.
import pino from 'pino';
import type { Logger } from 'pino';
import type { LoggingConfig } from '../config/config-types.js';
import { formatLogLine } from './pretty-log.js';

/** Where log lines go; any object with write(). Default process.stderr. */
export interface LogSink {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

/** Creates the logger for `logging`; `auto` is readable on a terminal and JSON otherwise. */
export function createLogger(logging: LoggingConfig, sink: LogSink = process.stderr): Logger {
  const pretty = logging.format === 'pretty' || (logging.format === 'auto' && sink.isTTY === true);
  // A plain synchronous destination: no worker thread or buffer that could lose the last lines at exit.
  const destination = { write: (line: string): void => void sink.write(pretty ? formatLogLine(line) : line) };
  return pino({ level: logging.level, base: { pid: process.pid } }, destination);
}
