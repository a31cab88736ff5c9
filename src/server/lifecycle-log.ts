// One log line per client connection event, like Mosquitto's but structured: connected and disconnected at info.
// (Refused CONNECTs are logged at warn where the refusal happens, in the CONNECT handler.)
import { reasonCodeName } from '../codec/reason-codes.js';
import { PacketType } from '../codec/types.js';
import type { ClientInfo, DisconnectInfo, Hook, HookLogger } from '../hooks/hook.js';

/** `host:port`, with brackets around IPv6 hosts. */
export function peerAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The fields every line about a client carries. */
function clientFields(client: ClientInfo): Record<string, unknown> {
  return {
    clientId: client.id,
    username: client.username ?? null,
    address: peerAddress(client.remoteAddress, client.remotePort),
    listener: client.listenerId,
  };
}

/** Logs each client that connects and disconnects (the embedding program's inline client excepted). */
export class LifecycleLog implements Hook {
  readonly id = 'lifecycle-log';
  readonly #logger: HookLogger;

  constructor(logger: HookLogger) {
    this.#logger = logger;
  }

  onConnected(client: ClientInfo): void {
    if (client.inline) return;
    this.#logger.info(
      { ...clientFields(client), protocolVersion: client.protocolVersion, keepAlive: client.keepAlive, cleanStart: client.clean },
      'client connected',
    );
  }

  onDisconnected(client: ClientInfo, info: DisconnectInfo): void {
    if (client.inline) return;
    const fields: Record<string, unknown> = {
      ...clientFields(client),
      reasonCode: `0x${info.reasonCode.toString(16).padStart(2, '0')}`,
      reason: reasonCodeName(info.reasonCode, PacketType.DISCONNECT) ?? reasonCodeName(info.reasonCode) ?? 'unknown',
      byServer: info.byServer,
      durationSeconds: Math.round(Date.now() - client.connectedAt) / 1000,
      willSent: info.willSent,
    };
    if (info.error !== undefined) fields.error = info.error.message;
    this.#logger.info(fields, 'client disconnected');
  }
}
