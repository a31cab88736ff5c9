// Loopback TCP ports: a free one for a process the test starts, and the one a listener bound.
import { createServer } from 'node:net';
import type { Listener } from '../../src/index.js';

/** A free TCP port on 127.0.0.1 (bound, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The port a network listener is bound to. */
export function portOf(listener: Listener): number {
  const address = listener.address();
  if (address === undefined || !('port' in address)) throw new Error(`listener ${listener.id} has no port`);
  return address.port;
}
