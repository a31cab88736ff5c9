// Loop prevention between brokers bridged to each other: a message that already left this broker through a bridge
// (its `swiftlet-bridge-via` user properties name this node) is dropped when it comes back, so every broker routes a
// message at most once and two brokers bridged both ways do not ping-pong.
import type { PublishPacket } from '../codec/types.js';
import type { ClientInfo, Hook } from '../hooks/hook.js';
import { REJECT } from '../hooks/hook.js';
import { hasVia } from './bridge.js';

/** The hook a broker with bridges installs; `looped` counts the messages it dropped. */
export class BridgeLoopGuard implements Hook {
  readonly id = 'bridge-loop-guard';
  readonly #nodeId: string;
  looped = 0;

  constructor(nodeId: string) {
    this.#nodeId = nodeId;
  }

  onPublish(_client: ClientInfo | null, packet: PublishPacket): PublishPacket | typeof REJECT | undefined {
    if (packet.properties.userProperties === undefined || !hasVia(packet.properties, this.#nodeId)) return undefined;
    this.looped++;
    return REJECT;
  }
}
