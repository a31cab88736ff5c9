// The `bridges:` section: one entry per remote broker, checked key by key like the rest of the configuration.
import { readFileSync } from 'node:fs';
import { parseSharedFilter } from '../topics/shared-filter.js';
import { isValidTopicFilter } from '../topics/validate.js';
import { BRIDGE_SCHEMES } from '../bridge/transport.js';
import type { BridgeOptions, BridgeTopic } from '../bridge/bridge.js';
import type { ConfigChecker } from './config-checker.js';
import { join } from './config-checker.js';

/** TLS files of a bridge (paths, resolved against the configuration folder). */
export interface BridgeTlsConfig {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  rejectUnauthorized?: boolean;
  servername?: string;
}

/** One validated `bridges:` entry: the bridge's options, with the password still to be read from its source. */
export interface BridgeConfig {
  options: Omit<BridgeOptions, 'password' | 'tls'>;
  tls?: BridgeTlsConfig;
  /** File holding the password (trailing newline removed). */
  passwordFile?: string;
  /** Environment variable holding the password. */
  passwordEnv?: string;
}

/** What the bridge section needs of the validator: the issue list and readable-file checks. */
export interface BridgeChecker extends ConfigChecker {
  file(value: unknown, path: string): string | undefined;
}

const BRIDGE_KEYS = [
  'name',
  'url',
  'protocolVersion',
  'clientId',
  'username',
  'passwordFile',
  'passwordEnv',
  'tls',
  'keepAlive',
  'cleanStart',
  'sessionExpiryInterval',
  'topics',
  'reconnectDelay',
  'maxReconnectDelay',
  'connectTimeout',
  'maxInflight',
];
const TLS_KEYS = ['caFile', 'certFile', 'keyFile', 'rejectUnauthorized', 'servername'];
const TOPIC_KEYS = ['filter', 'direction', 'qos', 'localPrefix', 'remotePrefix'];
const DIRECTIONS = ['in', 'out', 'both'] as const;

/** Validates `bridges:` (a list); problems go to `v`. */
export function validateBridges(raw: unknown, v: BridgeChecker): BridgeConfig[] {
  if (!Array.isArray(raw)) {
    v.expected('bridges', 'a list of bridges', raw);
    return [];
  }
  const out: BridgeConfig[] = [];
  const names = new Set<string>();
  raw.forEach((entry, i) => {
    const bridge = validateBridge(entry, `bridges[${i}]`, v);
    if (bridge === undefined) return;
    if (names.has(bridge.options.name)) v.add(`bridges[${i}].name`, `duplicate bridge name ${JSON.stringify(bridge.options.name)}`);
    names.add(bridge.options.name);
    out.push(bridge);
  });
  return out;
}

function validateBridge(raw: unknown, path: string, v: BridgeChecker): BridgeConfig | undefined {
  const obj = v.object(raw, path);
  if (obj === undefined) return undefined;
  v.keys(obj, BRIDGE_KEYS, path);
  const at = (key: string): string => join(path, key);
  const before = v.issues.length;
  const name = v.string(obj.name, at('name'));
  if (name !== undefined && !/^[A-Za-z0-9_.-]+$/.test(name)) v.expected(at('name'), 'letters, digits, _ . or -', name);
  const url = bridgeUrl(obj.url, at('url'), v);
  const topics = validateTopics(obj.topics, at('topics'), v);
  const options: { -readonly [K in keyof BridgeConfig['options']]: BridgeConfig['options'][K] } = { name: name ?? '', url: url ?? '', topics };
  if (obj.protocolVersion !== undefined) {
    const version = obj.protocolVersion;
    if (version === 3 || version === 4 || version === 5) options.protocolVersion = version;
    else v.expected(at('protocolVersion'), 'one of 3, 4, 5', version);
  }
  if (obj.clientId !== undefined) options.clientId = v.string(obj.clientId, at('clientId'));
  if (obj.username !== undefined) options.username = v.string(obj.username, at('username'));
  if (obj.keepAlive !== undefined) options.keepAlive = v.integer(obj.keepAlive, at('keepAlive'), 0, 65535);
  if (obj.cleanStart !== undefined) options.cleanStart = v.boolean(obj.cleanStart, at('cleanStart'));
  if (obj.sessionExpiryInterval !== undefined) options.sessionExpiryInterval = v.integer(obj.sessionExpiryInterval, at('sessionExpiryInterval'), 0, 0xffffffff);
  if (obj.reconnectDelay !== undefined) options.reconnectDelay = v.positive(obj.reconnectDelay, at('reconnectDelay'));
  if (obj.maxReconnectDelay !== undefined) options.maxReconnectDelay = v.positive(obj.maxReconnectDelay, at('maxReconnectDelay'));
  if (obj.connectTimeout !== undefined) options.connectTimeout = v.positive(obj.connectTimeout, at('connectTimeout'));
  if (obj.maxInflight !== undefined) options.maxInflight = v.integer(obj.maxInflight, at('maxInflight'), 1, 65535);
  const out: BridgeConfig = { options };
  if (obj.passwordFile !== undefined && obj.passwordEnv !== undefined) v.add(at('passwordEnv'), 'expected either passwordFile or passwordEnv, found both');
  if (obj.passwordFile !== undefined) out.passwordFile = v.file(obj.passwordFile, at('passwordFile'));
  if (obj.passwordEnv !== undefined) {
    const env = v.string(obj.passwordEnv, at('passwordEnv'));
    if (env !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(env)) v.expected(at('passwordEnv'), 'an environment variable name', env);
    else out.passwordEnv = env;
  }
  if ((out.passwordFile !== undefined || out.passwordEnv !== undefined) && obj.username === undefined) {
    v.add(at('username'), 'expected a username with a password, found nothing');
  }
  if (obj.tls !== undefined) out.tls = validateTls(obj.tls, at('tls'), v);
  if (out.tls !== undefined && url !== undefined && !url.startsWith('mqtts:') && !url.startsWith('wss:')) {
    v.add(at('tls'), `expected only with an mqtts:// or wss:// url, found ${JSON.stringify(url)}`);
  }
  return v.issues.length === before ? out : undefined;
}

function bridgeUrl(raw: unknown, path: string, v: BridgeChecker): string | undefined {
  const text = v.string(raw, path);
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return v.expected(path, 'a URL such as mqtt://host:1883', text);
  }
  if (BRIDGE_SCHEMES[url.protocol] === undefined) return v.expected(path, 'a URL with scheme mqtt://, mqtts://, ws:// or wss://', text);
  if (url.hostname === '') return v.expected(path, 'a URL with a host', text);
  if (url.username !== '' || url.password !== '') return v.expected(path, 'a URL without credentials (use username and passwordFile or passwordEnv)', text);
  return text;
}

function validateTopics(raw: unknown, path: string, v: BridgeChecker): BridgeTopic[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    v.expected(path, 'a non-empty list of topic routes', raw);
    return [];
  }
  const out: BridgeTopic[] = [];
  raw.forEach((entry, i) => {
    const at = `${path}[${i}]`;
    const obj = v.object(entry, at);
    if (obj === undefined) return;
    v.keys(obj, TOPIC_KEYS, at);
    const filter = v.string(obj.filter, join(at, 'filter'));
    if (filter !== undefined && (!isValidTopicFilter(filter) || parseSharedFilter(filter) !== null)) v.expected(join(at, 'filter'), 'a valid topic filter (not shared)', filter);
    const direction = v.oneOf(obj.direction, join(at, 'direction'), DIRECTIONS);
    let qos: 0 | 1 | 2 = 0;
    if (obj.qos !== undefined) {
      if (obj.qos === 0 || obj.qos === 1 || obj.qos === 2) qos = obj.qos;
      else v.expected(join(at, 'qos'), 'one of 0, 1, 2', obj.qos);
    }
    const prefix = (key: 'localPrefix' | 'remotePrefix'): string | undefined => {
      const value = obj[key];
      if (value === undefined) return undefined;
      if (typeof value !== 'string' || value.includes('+') || value.includes('#') || value.includes('\u0000')) {
        return v.expected(join(at, key), "a topic prefix without wildcards ('' for none)", value);
      }
      return value;
    };
    const localPrefix = prefix('localPrefix');
    const remotePrefix = prefix('remotePrefix');
    if (filter === undefined || direction === undefined) return;
    const route: { -readonly [K in keyof BridgeTopic]: BridgeTopic[K] } = { filter, direction, qos };
    if (localPrefix !== undefined) route.localPrefix = localPrefix;
    if (remotePrefix !== undefined) route.remotePrefix = remotePrefix;
    out.push(route);
  });
  return out;
}

function validateTls(raw: unknown, path: string, v: BridgeChecker): BridgeTlsConfig | undefined {
  const obj = v.object(raw, path);
  if (obj === undefined) return undefined;
  v.keys(obj, TLS_KEYS, path);
  const out: BridgeTlsConfig = {};
  for (const key of ['caFile', 'certFile', 'keyFile'] as const) {
    if (obj[key] !== undefined) out[key] = v.file(obj[key], join(path, key));
  }
  if ((obj.certFile === undefined) !== (obj.keyFile === undefined)) {
    v.add(join(path, obj.certFile === undefined ? 'certFile' : 'keyFile'), 'expected certFile and keyFile together, found only one');
  }
  if (obj.rejectUnauthorized !== undefined) out.rejectUnauthorized = v.boolean(obj.rejectUnauthorized, join(path, 'rejectUnauthorized'));
  if (obj.servername !== undefined) out.servername = v.string(obj.servername, join(path, 'servername'));
  return out;
}

/**
 * The bridge's options with its secrets read: the password from its file or environment variable, the TLS files'
 * contents. Throws an Error naming the key when a source is missing.
 */
export function resolveBridgeOptions(config: BridgeConfig, index: number, env: NodeJS.ProcessEnv = process.env): BridgeOptions {
  const options: { -readonly [K in keyof BridgeOptions]: BridgeOptions[K] } = { ...config.options };
  if (config.passwordFile !== undefined) options.password = readFileSync(config.passwordFile, 'utf8').replace(/\r?\n$/, '');
  if (config.passwordEnv !== undefined) {
    const value = env[config.passwordEnv];
    if (value === undefined) throw new Error(`bridges[${index}].passwordEnv: environment variable ${config.passwordEnv} is not set`);
    options.password = value;
  }
  const tls = config.tls;
  if (tls !== undefined) {
    options.tls = {
      ca: tls.caFile === undefined ? undefined : readFileSync(tls.caFile),
      cert: tls.certFile === undefined ? undefined : readFileSync(tls.certFile),
      key: tls.keyFile === undefined ? undefined : readFileSync(tls.keyFile),
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
    };
  }
  return options;
}
