// The $SYS topics of bridges: one group per bridge under $SYS/broker/bridges/<name>/.
import type { BridgeStatus } from './bridge.js';

/** The per-bridge $SYS topics (`<name>` stands for the bridge's name), documented in docs/sys-topics.md. */
export const BRIDGE_SYS_TOPICS: readonly { topic: string; describe: string }[] = [
  { topic: '$SYS/broker/bridges/<name>/connected', describe: '1 while connected to the remote (and subscribed), else 0' },
  { topic: '$SYS/broker/bridges/<name>/queued', describe: 'outbound QoS 1/2 messages not yet acknowledged by the remote' },
  { topic: '$SYS/broker/bridges/<name>/forwarded/in', describe: 'messages brought in from the remote since start' },
  { topic: '$SYS/broker/bridges/<name>/forwarded/out', describe: 'messages sent to the remote (QoS 1/2: acknowledged) since start' },
  { topic: '$SYS/broker/bridges/<name>/dropped', describe: 'outbound messages lost since start (QoS 0 while down, queue full, expired, refused)' },
  { topic: '$SYS/broker/bridges/<name>/connects', describe: 'successful connections to the remote since start' },
  { topic: '$SYS/broker/bridges/<name>/last-error', describe: 'the last connection error or disconnect reason, empty when none' },
];

/** The values of the per-bridge $SYS topics. */
export function bridgeSysValues(bridges: readonly BridgeStatus[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const b of bridges) {
    const at = `$SYS/broker/bridges/${b.name}/`;
    out[`${at}connected`] = b.connected ? '1' : '0';
    out[`${at}queued`] = String(b.queued);
    out[`${at}forwarded/in`] = String(b.forwardedIn);
    out[`${at}forwarded/out`] = String(b.forwardedOut);
    out[`${at}dropped`] = String(b.dropped);
    out[`${at}connects`] = String(b.connects);
    out[`${at}last-error`] = b.lastError ?? '';
  }
  return out;
}
