// Shared fixtures for hook tests: a recording logger and a ClientInfo factory.
import type { ClientInfo, ConnectAuth, HookLogger } from '../../src/hooks/hook.js';
import type { ConnectionMeta } from '../../src/listeners/listener.js';

/** One recorded log call. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every call, for assertions. */
export function createRecordingLogger(): HookLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record = (level: LogEntry['level']) => (obj: object, msg?: string) => {
    entries.push({ level, obj: obj as Record<string, unknown>, msg });
  };
  return { entries, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** A client with sensible defaults. */
export function createClient(overrides: Partial<ClientInfo> = {}): ClientInfo {
  return {
    id: 'c1',
    username: undefined,
    protocolVersion: 5,
    remoteAddress: '127.0.0.1',
    remotePort: 50000,
    listenerId: 'tcp',
    transport: 'tcp',
    certificate: undefined,
    connectedAt: 0,
    keepAlive: 60,
    clean: true,
    inline: false,
    ...overrides,
  };
}

/** Connection metadata with defaults. */
export function createMeta(overrides: Partial<ConnectionMeta> = {}): ConnectionMeta {
  return { listenerId: 'tcp', transport: 'tcp', remoteAddress: '127.0.0.1', remotePort: 50000, localAddress: '127.0.0.1', localPort: 1883, ...overrides };
}

/** CONNECT credentials with defaults. */
export function createAuth(overrides: Partial<ConnectAuth> = {}): ConnectAuth {
  return {
    clientId: 'c1',
    username: undefined,
    password: undefined,
    authenticationMethod: undefined,
    authenticationData: undefined,
    meta: createMeta(),
    ...overrides,
  };
}

/** True when the value is a thenable (runners must not return one for sync hooks). */
export function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
