// Embedding Swiftlet with a custom hook: authenticate from a table, a per-user topic ACL, and publish logging.
// Run: npx tsx examples/embed-custom-hooks.ts   (starts on a free port, runs a short demo with MQTT.js, stops)
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { Broker, ReasonCode, TcpListener } from 'swiftlet-mqtt';
import type { AclAccess, AuthResult, ClientInfo, ConnectAuth, Decision, Hook, PublishPacket } from 'swiftlet-mqtt';

/** Users of the demo; a real program would keep scrypt hashes (see hashPassword), never plain passwords. */
const USERS = new Map([
  ['alice', 'wonderland'],
  ['bob', 'builder'],
]);

/** One hook, three concerns: who may connect, which topics each user may touch, and a log of every publish. */
export class DemoHook implements Hook {
  readonly id = 'demo';
  readonly published: string[] = [];

  /** Allows known users with the right password; everyone else gets 0x86. */
  authenticate(_client: ClientInfo, auth: ConnectAuth): AuthResult {
    const expected = auth.username === undefined ? undefined : USERS.get(auth.username);
    if (expected !== undefined && auth.password?.toString('utf8') === expected) return { decision: 'allow' };
    return { decision: 'deny', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD };
  }

  /** Each user may publish under `users/<name>/`, and read everything under `users/`. */
  checkAcl(client: ClientInfo, topic: string, access: AclAccess): Decision {
    const own = `users/${client.username ?? '-'}/`;
    if (access === 'publish') return topic.startsWith(own) ? 'allow' : 'deny';
    return topic === 'users/#' || topic.startsWith('users/') ? 'allow' : 'deny';
  }

  /** Told of every accepted publish (not awaited: keep it cheap). */
  onPublished(client: ClientInfo | null, packet: PublishPacket): void {
    const line = `${client?.username ?? '(inline)'} -> ${packet.topic}: ${packet.payload.toString('utf8')}`;
    this.published.push(line);
    console.log(`[published] ${line}`);
  }
}

/** Starts the broker with DemoHook on `port` (0 = any free port). */
export async function startDemoBroker(port = 0): Promise<{ broker: Broker; port: number; hook: DemoHook }> {
  const broker = new Broker({ sysInterval: 0 });
  const hook = new DemoHook();
  await broker.addHook(hook);
  const listener = new TcpListener({ id: 'tcp', host: '127.0.0.1', port });
  await broker.addListener(listener);
  await broker.serve();
  const address = listener.address();
  return { broker, port: address !== undefined && 'port' in address ? address.port : port, hook };
}

async function demo(): Promise<void> {
  const { broker, port } = await startDemoBroker(0);
  console.log(`broker on 127.0.0.1:${port}`);
  const alice = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'alice', password: 'wonderland', protocolVersion: 5 });
  alice.on('message', (topic, payload) => console.log(`[alice received] ${topic}: ${payload.toString()}`));
  await alice.subscribeAsync('users/#');
  const bob = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'bob', password: 'builder', protocolVersion: 5 });
  await bob.publishAsync('users/bob/status', 'online', { qos: 1 });
  // Outside bob's own prefix: refused by the ACL (5.0 PUBACK 0x87), nobody receives it.
  const refused = await bob.publishAsync('users/alice/status', 'spoofed', { qos: 1 }).then(
    () => 'accepted?',
    (err: Error) => `refused (${err.message})`,
  );
  console.log(`bob publishing as alice: ${refused}`);
  await new Promise((r) => setTimeout(r, 100));
  await alice.endAsync();
  await bob.endAsync();
  await broker.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await demo();
