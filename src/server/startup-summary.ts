// The one line an operator reads at start: version, where it listens, who may connect, storage, HTTP and API state.
import type { SwiftletConfig } from '../config/config-types.js';
import { VERSION } from '../version.js';
import type { BoundAddress } from './create-server.js';

/** How clients are authenticated, in words: the auth mode of the startup line. */
export function describeAuth(auth: SwiftletConfig['auth']): string {
  const users = auth.ledger?.users === undefined ? 0 : Object.keys(auth.ledger.users).length;
  const anonymous =
    auth.allowAnonymous === true ? 'anonymous: allowed' : auth.allowAnonymous === false || users > 0 || auth.ledgerFile !== undefined ? 'anonymous: refused' : 'anonymous: loopback only';
  const source = auth.ledgerFile !== undefined ? `users: ledger file ${auth.ledgerFile}` : users > 0 ? `users: ${users}` : 'users: none';
  return `${anonymous}; ${source}${auth.scram ? '; SCRAM-SHA-256' : ''}`;
}

/** The fields of the startup line. */
export function startupSummary(config: SwiftletConfig, bound: readonly BoundAddress[], configFile: string | undefined): Record<string, unknown> {
  const http = bound.find((b) => b.kind === 'HTTP');
  const httpConfig = config.http;
  return {
    version: VERSION,
    config: configFile ?? null,
    listeners: bound.filter((b) => b.kind === 'MQTT').map((b) => `${config.listeners.find((l) => l.id === b.id)?.type ?? '?'} ${b.where}`),
    auth: describeAuth(config.auth),
    storage: describeStorage(config.storage),
    http: http === undefined ? 'off' : http.where,
    metrics: httpConfig === undefined ? 'off' : httpConfig.metrics === false ? 'off' : 'on',
    api: httpConfig === undefined ? 'off' : httpConfig.api === false ? 'off' : httpConfig.token === undefined ? 'off (no token)' : 'on',
  };
}

/** The storage in use, without credentials: `memory`, `lmdb PATH`, `redis HOST:PORT`, `redis sentinel NAME`, `redis cluster`. */
function describeStorage(storage: SwiftletConfig['storage']): string {
  if (storage.type === 'lmdb') return `lmdb ${storage.path ?? ''}`;
  if (storage.type !== 'redis') return 'memory';
  if (storage.sentinel !== undefined) return `redis sentinel ${storage.sentinel.name}`;
  if (storage.cluster !== undefined) return 'redis cluster';
  if (storage.url === undefined) return 'redis 127.0.0.1:6379';
  try {
    return `redis ${new URL(storage.url).host}`;
  } catch {
    return 'redis';
  }
}
