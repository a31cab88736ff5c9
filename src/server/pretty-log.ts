// A small readable formatter for pino's JSON lines: `12:03:04.567 INFO  message key=value ...`.

const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
// Fields pino adds that a person at a terminal does not need on every line.
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname']);

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (typeof value === 'object' && value !== null && 'message' in value && typeof value.message === 'string') return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}

function clock(time: unknown): string {
  const d = typeof time === 'number' ? new Date(time) : new Date();
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** Formats one pino JSON line as one readable line (with a trailing newline); lines that are not JSON pass through. */
export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  if (typeof entry !== 'object' || entry === null) return `${line.trimEnd()}\n`;
  const obj = entry as Record<string, unknown>;
  const level = typeof obj.level === 'number' ? (LEVEL_NAMES[obj.level] ?? String(obj.level)) : 'INFO ';
  let out = `${clock(obj.time)} ${level} ${typeof obj.msg === 'string' ? obj.msg : ''}`;
  for (const [key, value] of Object.entries(obj)) {
    if (!HIDDEN.has(key)) out += ` ${key}=${formatValue(value)}`;
  }
  return `${out}\n`;
}
