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
    storage: config.storage.type === 'lmdb' ? `lmdb ${config.storage.path ?? ''}` : 'memory',
    http: http === undefined ? 'off' : http.where,
    metrics: httpConfig === undefined ? 'off' : httpConfig.metrics === false ? 'off' : 'on',
    api: httpConfig === undefined ? 'off' : httpConfig.api === false ? 'off' : httpConfig.token === undefined ? 'off (no token)' : 'on',
  };
}
