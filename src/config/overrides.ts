// Environment variables and command-line flags that override the configuration file (flags > env > file).
import type { ConfigChecker } from './config-checker.js';
import { DEFAULT_HOST, DEFAULT_HTTP_PORT } from './config-types.js';
import type { LogFormat, LogLevel, SwiftletConfig } from './config-types.js';
import { LOG_LEVELS } from './validate-config.js';
import { checkRedisUrl } from './validate-cluster.js';

/** Values given on the command line; undefined when absent. */
export interface FlagValues {
  host?: string | undefined;
  port?: string | undefined;
  logLevel?: string | undefined;
  logFormat?: string | undefined;
  httpHost?: string | undefined;
  httpPort?: string | undefined;
  cluster?: string | undefined;
}

/** Validated overrides, flags already merged over the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  logLevel?: LogLevel;
  logFormat?: LogFormat;
  httpHost?: string;
  httpPort?: number;
  httpToken?: string;
  cluster?: string;
  httpReadOnlyToken?: string;
}

/** Each override: its flag, its environment variable, and how to read it. */
const SOURCES = [
  { key: 'host', flag: '--host', env: 'SWIFTLET_HOST', kind: 'string' },
  { key: 'port', flag: '--port', env: 'SWIFTLET_PORT', kind: 'port' },
  { key: 'logLevel', flag: '--log-level', env: 'SWIFTLET_LOG_LEVEL', kind: 'level' },
  { key: 'logFormat', flag: '--log-format', env: 'SWIFTLET_LOG_FORMAT', kind: 'format' },
  { key: 'httpHost', flag: '--http-host', env: 'SWIFTLET_HTTP_HOST', kind: 'string' },
  { key: 'httpPort', flag: '--http-port', env: 'SWIFTLET_HTTP_PORT', kind: 'port' },
  // No flag for the token: command lines are visible to every user of the machine (ps).
  { key: 'httpToken', flag: undefined, env: 'SWIFTLET_HTTP_TOKEN', kind: 'token' },
  { key: 'cluster', flag: '--cluster', env: 'SWIFTLET_CLUSTER', kind: 'redis' },
  { key: 'httpReadOnlyToken', flag: undefined, env: 'SWIFTLET_HTTP_READ_ONLY_TOKEN', kind: 'token' },
] as const;

/** Every environment variable swiftlet reads, for documentation and tests. */
export const ENV_VARIABLES: readonly string[] = ['SWIFTLET_CONFIG', ...SOURCES.map((s) => s.env)];

/** Reads and validates the overrides; a flag wins over its environment variable. Problems go to `checker` under the flag or variable name. */
export function readOverrides(flags: FlagValues, env: Readonly<Record<string, string | undefined>>, checker: ConfigChecker): ConfigOverrides {
  const out: Record<string, unknown> = {};
  for (const source of SOURCES) {
    const fromFlag = source.flag === undefined ? undefined : flags[source.key];
    const fromEnv = env[source.env];
    // An empty variable (FOO= in a unit file) means "not set", the usual shell convention.
    const [name, text] = fromFlag !== undefined ? [source.flag ?? '', fromFlag] : fromEnv !== undefined && fromEnv !== '' ? [source.env, fromEnv] : [undefined, undefined];
    if (name === undefined || text === undefined) continue;
    switch (source.kind) {
      case 'string':
        out[source.key] = checker.string(text, name);
        break;
      case 'port': {
        const n = /^\d+$/.test(text) ? Number(text) : NaN;
        out[source.key] = checker.integer(Number.isNaN(n) ? text : n, name, 0, 65535);
        break;
      }
      case 'token':
        out[source.key] = checker.token(text, name);
        break;
      case 'level':
        out[source.key] = checker.oneOf(text, name, LOG_LEVELS);
        break;
      case 'redis':
        out[source.key] = checkRedisUrl(checker, text, name);
        break;
      case 'format':
        out[source.key] = checker.oneOf(text, name, ['json', 'pretty', 'auto'] as const);
        break;
    }
    if (out[source.key] === undefined) delete out[source.key];
  }
  return out;
}

/** Applies overrides to a validated config in place: host/port go to the first TCP listener (one is added when there is none). */
export function applyOverrides(config: SwiftletConfig, overrides: ConfigOverrides): void {
  if (overrides.host !== undefined || overrides.port !== undefined) {
    let tcp = config.listeners.find((l) => l.type === 'tcp');
    if (tcp === undefined) {
      const ids = new Set(config.listeners.map((l) => l.id));
      let id = 'tcp';
      for (let n = 2; ids.has(id); n++) id = `tcp-${n}`;
      tcp = { type: 'tcp', id, host: DEFAULT_HOST };
      config.listeners.push(tcp);
    }
    if (overrides.host !== undefined) tcp.host = overrides.host;
    if (overrides.port !== undefined) tcp.port = overrides.port;
  }
  if (overrides.logLevel !== undefined) config.logging.level = overrides.logLevel;
  if (overrides.logFormat !== undefined) config.logging.format = overrides.logFormat;
  if (overrides.httpHost !== undefined || overrides.httpPort !== undefined) {
    config.http ??= { host: DEFAULT_HOST, port: DEFAULT_HTTP_PORT };
    if (overrides.httpHost !== undefined) config.http.host = overrides.httpHost;
    if (overrides.httpPort !== undefined) config.http.port = overrides.httpPort;
  }
  if (overrides.httpToken !== undefined && config.http !== undefined) config.http.token = overrides.httpToken;
  if (overrides.cluster !== undefined) config.cluster = { ...config.cluster, redis: overrides.cluster };
  if (overrides.httpReadOnlyToken !== undefined && config.http !== undefined) config.http.readOnlyToken = overrides.httpReadOnlyToken;
}
