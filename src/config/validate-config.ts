// Hand-written validation of a parsed configuration: unknown keys, types and ranges, all errors collected.
import { validateCluster } from './validate-cluster.js';
import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { extname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compileLedger, LedgerError } from '../hooks/builtin/ledger-rules.js';
import type { LedgerData } from '../hooks/builtin/ledger-rules.js';
import { DEFAULT_CAPABILITIES, DEFAULT_COMPATIBILITIES, resolveCapabilities } from '../options.js';
import type { Capabilities, Compatibilities } from '../options.js';
import { ConfigChecker, isRecord, join } from './config-checker.js';
import type { ConfigIssue } from './config-checker.js';
import { validateHookModules, validateHttpAuth, validateJwtAuth, validateWebhooks } from './validate-integrations.js';
import type { IntegrationContext } from './validate-integrations.js';
import { validateBridges } from './validate-bridges.js';
import { DEFAULT_HOST, DEFAULT_HTTP_PORT } from './config-types.js';
import type { AuthConfig, DebugConfig, HttpConfig, ListenerConfig, ListenerType, LogFormat, LogLevel, RateLimitConfig, StorageConfig, SwiftletConfig } from './config-types.js';

/** Options of validateConfig. */
export interface ValidateOptions {
  /** Folder relative file paths are resolved against (the config file's folder). Default the working directory. */
  baseDir?: string;
  /** Check that referenced files (ledger, certificates) are readable. Default true. */
  checkFiles?: boolean;
  /** Where `${NAME}` references in integration settings are looked up. Default process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of validation: a config with defaults applied, and every problem found. */
export interface ValidationResult {
  config: SwiftletConfig;
  issues: ConfigIssue[];
}

const TOP_KEYS = [
  'id',
  'listeners',
  'http',
  'auth',
  'rateLimit',
  'debug',
  'storage',
  'capabilities',
  'compatibilities',
  'logging',
  'sys',
  'sharedSubscriptionStrategy',
  'responseInformationPrefix',
  'cluster',
  'webhooks',
  'hooks',
  'bridges',
] as const;

/** The listener types. */
export const LISTENER_TYPES: readonly ListenerType[] = ['tcp', 'tls', 'ws', 'wss', 'unix'];
/** The log levels. */
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty', 'auto'];

const LIMIT_KEYS = ['type', 'id', 'maxConnections', 'connectionRate'];
const NET_KEYS = [...LIMIT_KEYS, 'connectionRatePerAddress', 'host', 'port', 'backlog', 'proxyProtocol'];
const CERT_KEYS = ['certFile', 'keyFile', 'caFile', 'passphrase', 'clientCertificates'];
const WS_KEYS = [...LIMIT_KEYS, 'connectionRatePerAddress', 'host', 'port', 'backlog', 'path', 'maxPayload', 'trustedProxies'];
/** Keys each listener type accepts (what the listener classes support). */
const LISTENER_KEYS: Readonly<Record<ListenerType, readonly string[]>> = {
  tcp: NET_KEYS,
  tls: [...NET_KEYS, ...CERT_KEYS, 'handshakeTimeoutMs', 'watch'],
  ws: WS_KEYS,
  wss: [...WS_KEYS, ...CERT_KEYS],
  unix: [...LIMIT_KEYS, 'path', 'backlog'],
};

class ConfigValidator extends ConfigChecker {
  readonly #baseDir: string;
  readonly #checkFiles: boolean;
  readonly integrations: IntegrationContext;

  constructor(options: ValidateOptions) {
    super();
    this.#baseDir = options.baseDir ?? process.cwd();
    this.#checkFiles = options.checkFiles ?? true;
    this.integrations = { checker: this, file: (value, path) => this.file(value, path), env: options.env ?? process.env };
  }

  /** A readable file path, resolved against the config folder. */
  file(value: unknown, path: string): string | undefined {
    const name = this.string(value, path);
    if (name === undefined) return undefined;
    const full = isAbsolute(name) ? name : resolve(this.#baseDir, name);
    if (this.#checkFiles) {
      try {
        accessSync(full, constants.R_OK);
      } catch {
        return this.expected(path, 'a readable file', value);
      }
    }
    return full;
  }

  /** A `{ perSecond, burst? }` token bucket. */
  connectionRate(raw: unknown, path: string): { perSecond: number; burst?: number } | undefined {
    const rate = this.object(raw, path);
    if (rate === undefined) return undefined;
    this.keys(rate, ['perSecond', 'burst'], path);
    const perSecond = this.positive(rate.perSecond, join(path, 'perSecond'));
    const burst = rate.burst === undefined ? undefined : this.integer(rate.burst, join(path, 'burst'), 1, 2 ** 31);
    if (perSecond === undefined) return undefined;
    return burst === undefined ? { perSecond } : { perSecond, burst };
  }

  listener(raw: unknown, path: string, seen: Map<ListenerType, number>): ListenerConfig | undefined {
    const obj = this.object(raw, path);
    if (obj === undefined) return undefined;
    const type = this.oneOf(obj.type, join(path, 'type'), LISTENER_TYPES);
    if (type === undefined) return undefined;
    this.keys(obj, LISTENER_KEYS[type], path);
    const count = (seen.get(type) ?? 0) + 1;
    seen.set(type, count);
    const out: ListenerConfig = { type, id: count === 1 ? type : `${type}-${count}` };
    if (obj.id !== undefined) out.id = this.string(obj.id, join(path, 'id')) ?? out.id;
    if (type !== 'unix') {
      out.host = obj.host === undefined ? DEFAULT_HOST : this.string(obj.host, join(path, 'host'));
      if (obj.port !== undefined) out.port = this.integer(obj.port, join(path, 'port'), 0, 65535);
    }
    if (obj.backlog !== undefined) out.backlog = this.integer(obj.backlog, join(path, 'backlog'), 1, 65535);
    if (obj.proxyProtocol !== undefined) out.proxyProtocol = this.proxyProtocol(obj.proxyProtocol, join(path, 'proxyProtocol'));
    if (obj.maxPayload !== undefined) out.maxPayload = this.integer(obj.maxPayload, join(path, 'maxPayload'), 16, 268435460);
    if (obj.trustedProxies !== undefined) out.trustedProxies = this.addressList(obj.trustedProxies, join(path, 'trustedProxies'));
    if (obj.maxConnections !== undefined) out.maxConnections = this.integer(obj.maxConnections, join(path, 'maxConnections'), 0, 2 ** 31);
    if (obj.connectionRate !== undefined) out.connectionRate = this.connectionRate(obj.connectionRate, join(path, 'connectionRate'));
    if (obj.connectionRatePerAddress !== undefined) out.connectionRatePerAddress = this.connectionRate(obj.connectionRatePerAddress, join(path, 'connectionRatePerAddress'));
    if (type === 'unix') {
      out.path = obj.path === undefined ? this.expected(join(path, 'path'), 'a socket file path', undefined) : this.string(obj.path, join(path, 'path'));
      if (out.path !== undefined) out.path = resolve(this.#baseDir, out.path);
    } else if (type === 'ws' || type === 'wss') {
      out.path = '/mqtt';
      if (obj.path !== undefined) {
        const p = this.string(obj.path, join(path, 'path'));
        if (p !== undefined && !p.startsWith('/')) this.expected(join(path, 'path'), 'a URL path starting with /', p);
        else if (p !== undefined) out.path = p;
      }
    }
    if (type === 'tls' || type === 'wss') this.tls(obj, out, path);
    return out;
  }

  tls(obj: Record<string, unknown>, out: ListenerConfig, path: string): void {
    if (obj.certFile === undefined) this.expected(join(path, 'certFile'), 'a certificate file (PEM)', undefined);
    else out.certFile = this.file(obj.certFile, join(path, 'certFile'));
    if (obj.keyFile === undefined) this.expected(join(path, 'keyFile'), 'a private key file (PEM)', undefined);
    else out.keyFile = this.file(obj.keyFile, join(path, 'keyFile'));
    if (obj.caFile !== undefined) out.caFile = this.file(obj.caFile, join(path, 'caFile'));
    if (obj.passphrase !== undefined) out.passphrase = this.string(obj.passphrase, join(path, 'passphrase'));
    if (obj.clientCertificates !== undefined) {
      out.clientCertificates = this.oneOf(obj.clientCertificates, join(path, 'clientCertificates'), ['none', 'optional', 'required'] as const);
    }
    if (out.type !== 'tls') return;
    if (obj.handshakeTimeoutMs !== undefined) out.handshakeTimeoutMs = this.integer(obj.handshakeTimeoutMs, join(path, 'handshakeTimeoutMs'), 1, 600_000);
    if (obj.watch !== undefined) out.watch = this.boolean(obj.watch, join(path, 'watch'));
  }

  proxyProtocol(raw: unknown, path: string): ListenerConfig['proxyProtocol'] {
    const obj = this.object(raw, path);
    if (obj === undefined) return undefined;
    this.keys(obj, ['trusted', 'headerTimeoutMs'], path);
    const list = this.addressList(obj.trusted, join(path, 'trusted'));
    if (list === undefined) return undefined;
    const out: { trusted: string[]; headerTimeoutMs?: number } = { trusted: list };
    if (obj.headerTimeoutMs !== undefined) {
      const t = this.integer(obj.headerTimeoutMs, join(path, 'headerTimeoutMs'), 1, 600_000);
      if (t !== undefined) out.headerTimeoutMs = t;
    }
    return out;
  }

  /** A non-empty list of IP addresses or CIDR blocks. */
  addressList(raw: unknown, path: string): string[] | undefined {
    if (!Array.isArray(raw) || raw.length === 0) return this.expected(path, 'a non-empty list of addresses or CIDR blocks', raw);
    const list: string[] = [];
    raw.forEach((entry: unknown, i) => {
      const at = `${path}[${i}]`;
      const text = this.string(entry, at);
      if (text === undefined) return;
      const slash = text.indexOf('/');
      const address = slash === -1 ? text : text.slice(0, slash);
      const prefix = slash === -1 ? 0 : Number(text.slice(slash + 1));
      const family = isIP(address);
      if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) this.expected(at, 'an IP address or CIDR block', text);
      else list.push(text);
    });
    return list;
  }

  listeners(raw: unknown): ListenerConfig[] {
    if (raw === undefined) return [{ type: 'tcp', id: 'tcp', host: DEFAULT_HOST }];
    if (!Array.isArray(raw) || raw.length === 0) {
      this.expected('listeners', 'a non-empty list of listeners', raw);
      return [];
    }
    const seen = new Map<ListenerType, number>();
    const out: ListenerConfig[] = [];
    const ids = new Set<string>();
    raw.forEach((item: unknown, i) => {
      const l = this.listener(item, `listeners[${i}]`, seen);
      if (l === undefined) return;
      if (ids.has(l.id)) this.add(`listeners[${i}].id`, `duplicate listener id ${JSON.stringify(l.id)}`);
      ids.add(l.id);
      out.push(l);
    });
    return out;
  }

  http(raw: unknown): HttpConfig | undefined {
    if (raw === undefined) return undefined;
    const obj = this.object(raw, 'http');
    if (obj === undefined) return undefined;
    this.keys(obj, ['host', 'port', 'token', 'readOnlyToken', 'metrics', 'api', 'dashboard', 'maxBodyBytes'], 'http');
    const out: HttpConfig = { host: DEFAULT_HOST, port: DEFAULT_HTTP_PORT };
    if (obj.metrics !== undefined) out.metrics = this.boolean(obj.metrics, 'http.metrics');
    if (obj.api !== undefined) out.api = this.boolean(obj.api, 'http.api');
    if (obj.maxBodyBytes !== undefined) out.maxBodyBytes = this.integer(obj.maxBodyBytes, 'http.maxBodyBytes', 1, 2 ** 30);
    if (obj.host !== undefined) out.host = this.string(obj.host, 'http.host') ?? DEFAULT_HOST;
    if (obj.port !== undefined) out.port = this.integer(obj.port, 'http.port', 0, 65535) ?? DEFAULT_HTTP_PORT;
    if (obj.dashboard !== undefined) out.dashboard = this.boolean(obj.dashboard, 'http.dashboard');
    for (const key of ['token', 'readOnlyToken'] as const) {
      if (obj[key] === undefined) continue;
      const token = this.token(obj[key], `http.${key}`);
      if (token !== undefined) out[key] = token;
    }
    if (out.token !== undefined && out.token === out.readOnlyToken) this.add('http.readOnlyToken', 'must differ from http.token');
    return out;
  }

  auth(raw: unknown): AuthConfig {
    const out: AuthConfig = { watch: false, scram: false, useCertificateCommonNameAsUsername: false };
    if (raw === undefined) return out;
    const obj = this.object(raw, 'auth');
    if (obj === undefined) return out;
    this.keys(obj, ['allowAnonymous', 'ledger', 'ledgerFile', 'watch', 'scram', 'useCertificateCommonNameAsUsername', 'http', 'jwt'], 'auth');
    if (obj.http !== undefined) out.http = validateHttpAuth(this.integrations, obj.http, 'auth.http');
    if (obj.jwt !== undefined) out.jwt = validateJwtAuth(this.integrations, obj.jwt, 'auth.jwt');
    if (obj.allowAnonymous !== undefined) out.allowAnonymous = this.boolean(obj.allowAnonymous, 'auth.allowAnonymous');
    if (obj.ledger !== undefined && obj.ledgerFile !== undefined) this.add('auth.ledgerFile', 'expected either auth.ledger or auth.ledgerFile, found both');
    if (obj.ledger !== undefined) {
      try {
        compileLedger(obj.ledger);
        out.ledger = obj.ledger as LedgerData;
      } catch (err) {
        this.ledgerIssue('auth.ledger', err);
      }
    }
    if (obj.ledgerFile !== undefined) {
      out.ledgerFile = this.file(obj.ledgerFile, 'auth.ledgerFile');
      if (out.ledgerFile !== undefined && this.#checkFiles) this.ledgerFile(out.ledgerFile);
    }
    if (obj.watch !== undefined) {
      out.watch = this.boolean(obj.watch, 'auth.watch') ?? false;
      if (out.watch && obj.ledgerFile === undefined) this.add('auth.watch', 'expected auth.ledgerFile to watch, found none');
    }
    if (obj.scram !== undefined) out.scram = this.boolean(obj.scram, 'auth.scram') ?? false;
    if (obj.useCertificateCommonNameAsUsername !== undefined) {
      out.useCertificateCommonNameAsUsername = this.boolean(obj.useCertificateCommonNameAsUsername, 'auth.useCertificateCommonNameAsUsername') ?? false;
    }
    return out;
  }

  /** Parses and compiles the ledger file now, so a bad one is reported with the rest instead of at start. */
  ledgerFile(file: string): void {
    try {
      const text = readFileSync(file, 'utf8');
      const data: unknown = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
      compileLedger(data);
    } catch (err) {
      this.ledgerIssue(`auth.ledgerFile (${file})`, err);
    }
  }

  /** Records a LedgerError under `prefix`, keeping the ledger's own key path. */
  ledgerIssue(prefix: string, err: unknown): void {
    if (err instanceof LedgerError) {
      const inner = err.path === '(root)' ? prefix : join(prefix, err.path);
      this.add(inner, err.message.slice(err.path.length + 2));
    } else {
      this.add(prefix, err instanceof Error ? err.message : String(err));
    }
  }

  rateLimit(raw: unknown): RateLimitConfig | undefined {
    if (raw === undefined || raw === false) return undefined;
    const obj = this.object(raw, 'rateLimit');
    if (obj === undefined) return undefined;
    this.keys(obj, ['publishPerSecond', 'publishBytesPerSecond', 'burst', 'action'], 'rateLimit');
    const out: RateLimitConfig = {};
    if (obj.publishPerSecond !== undefined) out.publishPerSecond = this.positive(obj.publishPerSecond, 'rateLimit.publishPerSecond');
    if (obj.publishBytesPerSecond !== undefined) out.publishBytesPerSecond = this.positive(obj.publishBytesPerSecond, 'rateLimit.publishBytesPerSecond');
    if (obj.publishPerSecond === undefined && obj.publishBytesPerSecond === undefined) {
      this.add('rateLimit', 'expected publishPerSecond or publishBytesPerSecond, found neither');
    }
    if (obj.burst !== undefined) out.burst = this.positive(obj.burst, 'rateLimit.burst');
    if (obj.action !== undefined) out.action = this.oneOf(obj.action, 'rateLimit.action', ['reason', 'disconnect'] as const);
    return out;
  }

  debug(raw: unknown): DebugConfig | undefined {
    if (raw === undefined || raw === false) return undefined;
    if (raw === true) return { previewBytes: 32 };
    const obj = this.object(raw, 'debug');
    if (obj === undefined) return undefined;
    this.keys(obj, ['previewBytes'], 'debug');
    const previewBytes = obj.previewBytes === undefined ? 32 : (this.integer(obj.previewBytes, 'debug.previewBytes', 0, 65536) ?? 32);
    return { previewBytes };
  }

  storage(raw: unknown): StorageConfig {
    if (raw === undefined) return { type: 'memory' };
    const obj = this.object(raw, 'storage');
    if (obj === undefined) return { type: 'memory' };
    this.keys(obj, ['type', 'path', 'url', 'sentinel', 'cluster', 'keyPrefix', 'maxSizeMiB'], 'storage');
    const type = obj.type === undefined ? 'memory' : (this.oneOf(obj.type, 'storage.type', ['memory', 'lmdb', 'redis'] as const) ?? 'memory');
    const out: StorageConfig = { type };
    const only: Record<string, 'lmdb' | 'redis' | 'lmdb or redis'> = { path: 'lmdb', url: 'redis', sentinel: 'redis', cluster: 'redis', keyPrefix: 'redis', maxSizeMiB: 'lmdb or redis' };
    for (const [key, types] of Object.entries(only)) {
      if (obj[key] !== undefined && !types.split(' or ').includes(type)) {
        this.add(`storage.${key}`, `expected only with storage.type ${types.split(' or ').map((t) => `'${t}'`).join(' or ')}, found storage.type '${type}'`);
      }
    }
    if (type === 'lmdb') {
      if (obj.path === undefined) this.add('storage.path', 'expected the folder of the LMDB database, found nothing');
      else {
        const path = this.string(obj.path, 'storage.path');
        if (path !== undefined) out.path = resolve(this.#baseDir, path);
      }
    }
    if (type === 'redis') {
      const given = ['url', 'sentinel', 'cluster'].filter((k) => obj[k] !== undefined);
      if (given.length > 1) this.add(`storage.${given[1]!}`, `expected one of storage.url, storage.sentinel and storage.cluster, found ${given.join(' and ')}`);
      if (obj.url !== undefined) {
        const url = this.string(obj.url, 'storage.url');
        if (url !== undefined) {
          if (/^rediss?:\/\/[^/]+/.test(url)) out.url = url;
          else this.add('storage.url', `expected redis://host:port/db or rediss://..., found ${JSON.stringify(url)}`);
        }
      }
      if (obj.sentinel !== undefined) {
        const sentinel = this.#redisSentinel(obj.sentinel);
        if (sentinel !== undefined) out.sentinel = sentinel;
      }
      if (obj.cluster !== undefined) {
        const c = this.object(obj.cluster, 'storage.cluster');
        if (c !== undefined) {
          this.keys(c, ['nodes', 'password'], 'storage.cluster');
          const nodes = this.#redisAddresses(c.nodes, 'storage.cluster.nodes');
          if (nodes !== undefined) {
            out.cluster = { nodes };
            if (c.password !== undefined) {
              const password = this.string(c.password, 'storage.cluster.password');
              if (password !== undefined) out.cluster.password = password;
            }
          }
        }
      }
      if (obj.keyPrefix !== undefined) {
        const prefix = this.string(obj.keyPrefix, 'storage.keyPrefix');
        if (prefix !== undefined) {
          if (/^[^{}\s]+$/.test(prefix)) out.keyPrefix = prefix;
          else this.add('storage.keyPrefix', `expected a prefix without braces or spaces, found ${JSON.stringify(prefix)}`);
        }
      }
    }
    if (obj.maxSizeMiB !== undefined && type !== 'memory') {
      const size = this.integer(obj.maxSizeMiB, 'storage.maxSizeMiB', 1, 1024 * 1024);
      if (size !== undefined) out.maxSizeMiB = size;
    }
    return out;
  }

  #redisSentinel(raw: unknown): NonNullable<StorageConfig['sentinel']> | undefined {
    const obj = this.object(raw, 'storage.sentinel');
    if (obj === undefined) return undefined;
    this.keys(obj, ['sentinels', 'name', 'password', 'sentinelPassword', 'db'], 'storage.sentinel');
    const sentinels = this.#redisAddresses(obj.sentinels, 'storage.sentinel.sentinels');
    if (obj.name === undefined) this.add('storage.sentinel.name', 'expected the name of the primary the sentinels monitor, found nothing');
    const name = obj.name === undefined ? undefined : this.string(obj.name, 'storage.sentinel.name');
    if (sentinels === undefined || name === undefined) return undefined;
    const out: NonNullable<StorageConfig['sentinel']> = { sentinels, name };
    for (const key of ['password', 'sentinelPassword'] as const) {
      if (obj[key] !== undefined) {
        const value = this.string(obj[key], `storage.sentinel.${key}`);
        if (value !== undefined) out[key] = value;
      }
    }
    if (obj.db !== undefined) {
      const db = this.integer(obj.db, 'storage.sentinel.db', 0, 65535);
      if (db !== undefined) out.db = db;
    }
    return out;
  }

  #redisAddresses(raw: unknown, path: string): { host: string; port: number }[] | undefined {
    if (!Array.isArray(raw) || raw.length === 0) {
      this.add(path, `expected a list of { host, port }, found ${JSON.stringify(raw) ?? 'nothing'}`);
      return undefined;
    }
    const out: { host: string; port: number }[] = [];
    raw.forEach((item: unknown, i) => {
      const a = this.object(item, `${path}[${i}]`);
      if (a === undefined) return;
      this.keys(a, ['host', 'port'], `${path}[${i}]`);
      const host = a.host === undefined ? '127.0.0.1' : this.string(a.host, `${path}[${i}].host`);
      const port = this.integer(a.port, `${path}[${i}].port`, 1, 65535);
      if (host !== undefined && port !== undefined) out.push({ host, port });
    });
    return out.length === raw.length ? out : undefined;
  }

  capabilities(raw: unknown): Partial<Capabilities> {
    if (raw === undefined) return {};
    const obj = this.object(raw, 'capabilities');
    if (obj === undefined) return {};
    const defaults = DEFAULT_CAPABILITIES as unknown as Record<string, unknown>;
    this.keys(obj, Object.keys(defaults), 'capabilities');
    const out: Record<string, unknown> = {};
    let typesOk = true;
    for (const [key, value] of Object.entries(obj)) {
      const def = defaults[key];
      if (def === undefined) continue;
      // Numbers are only type-checked here (byte limits may exceed 32 bits); resolveCapabilities checks each range.
      const ok = typeof def === 'boolean' ? this.boolean(value, `capabilities.${key}`) !== undefined : this.integer(value, `capabilities.${key}`, 0, Number.MAX_SAFE_INTEGER) !== undefined;
      if (ok) out[key] = value;
      else typesOk = false;
    }
    if (typesOk) {
      // The broker's own range rules (minimums, powers, enumerations) are the source of truth; run them here.
      try {
        resolveCapabilities(out);
      } catch (err) {
        this.add('', err instanceof Error ? err.message : String(err));
      }
    }
    return out;
  }

  compatibilities(raw: unknown): Partial<Compatibilities> {
    if (raw === undefined) return {};
    const obj = this.object(raw, 'compatibilities');
    if (obj === undefined) return {};
    const names = Object.keys(DEFAULT_COMPATIBILITIES);
    this.keys(obj, names, 'compatibilities');
    const out: Record<string, boolean> = {};
    for (const [key, value] of Object.entries(obj)) {
      if (!names.includes(key)) continue;
      const b = this.boolean(value, `compatibilities.${key}`);
      if (b !== undefined) out[key] = b;
    }
    return out;
  }

  logging(raw: unknown): { level: LogLevel; format: LogFormat } {
    const out = { level: 'info' as LogLevel, format: 'auto' as LogFormat };
    if (raw === undefined) return out;
    const obj = this.object(raw, 'logging');
    if (obj === undefined) return out;
    this.keys(obj, ['level', 'format'], 'logging');
    if (obj.level !== undefined) out.level = this.oneOf(obj.level, 'logging.level', LOG_LEVELS) ?? out.level;
    if (obj.format !== undefined) out.format = this.oneOf(obj.format, 'logging.format', LOG_FORMATS) ?? out.format;
    return out;
  }

  sys(raw: unknown): { interval: number } {
    if (raw === undefined) return { interval: 10 };
    const obj = this.object(raw, 'sys');
    if (obj === undefined) return { interval: 10 };
    this.keys(obj, ['interval'], 'sys');
    return { interval: obj.interval === undefined ? 10 : (this.integer(obj.interval, 'sys.interval', 0, 86_400) ?? 10) };
  }
}

/** Validates a parsed configuration (YAML or JSON) and applies the defaults; `issues` is empty when it is valid. */
export function validateConfig(raw: unknown, options: ValidateOptions = {}): ValidationResult {
  const v = new ConfigValidator(options);
  // An empty file parses as null: treat it as "all defaults".
  const root = raw === null || raw === undefined ? {} : raw;
  const obj = isRecord(root) ? root : (v.expected('(root)', 'an object of settings', root) ?? {});
  v.keys(obj, TOP_KEYS, '');
  const config: SwiftletConfig = {
    listeners: v.listeners(obj.listeners),
    auth: v.auth(obj.auth),
    capabilities: v.capabilities(obj.capabilities),
    compatibilities: v.compatibilities(obj.compatibilities),
    logging: v.logging(obj.logging),
    sys: v.sys(obj.sys),
    storage: v.storage(obj.storage),
  };
  if (obj.id !== undefined) config.id = v.string(obj.id, 'id');
  const cluster = validateCluster(v, obj.cluster);
  if (cluster !== undefined) config.cluster = cluster;
  const http = v.http(obj.http);
  if (http !== undefined) config.http = http;
  const rateLimit = v.rateLimit(obj.rateLimit);
  if (rateLimit !== undefined) config.rateLimit = rateLimit;
  const debug = v.debug(obj.debug);
  if (debug !== undefined) config.debug = debug;
  if (obj.sharedSubscriptionStrategy !== undefined) {
    config.sharedSubscriptionStrategy = v.oneOf(obj.sharedSubscriptionStrategy, 'sharedSubscriptionStrategy', ['round-robin', 'random', 'hash'] as const);
  }
  if (obj.responseInformationPrefix !== undefined) {
    if (typeof obj.responseInformationPrefix === 'string') config.responseInformationPrefix = obj.responseInformationPrefix;
    else v.expected('responseInformationPrefix', "a string ('' disables it)", obj.responseInformationPrefix);
  }
  const webhooks = validateWebhooks(v.integrations, obj.webhooks);
  if (webhooks.length > 0) config.webhooks = webhooks;
  const hooks = validateHookModules(v.integrations, obj.hooks);
  if (hooks.length > 0) config.hooks = hooks;
  if (obj.bridges !== undefined) config.bridges = validateBridges(obj.bridges, v);
  return { config, issues: v.issues };
}
