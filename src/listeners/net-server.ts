// Small shared steps for listeners built on a node:net style server: bind, unbind, report the address.
import type { Server as NetServer, Socket } from 'node:net';
import type { ConnectionMeta, ListenerAddress } from './listener.js';
import type { ProxiedAddress } from './proxy-protocol.js';

/** Binds `server` to host/port (or a Unix path) and resolves once listening; rejects on a bind error. */
export function bindServer(server: NetServer, options: { host?: string; port?: number; path?: string; backlog?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    const onListening = (): void => {
      server.removeListener('error', onError);
      resolve();
    };
    if (options.path !== undefined) server.listen({ path: options.path, backlog: options.backlog }, onListening);
    else server.listen({ host: options.host, port: options.port, backlog: options.backlog }, onListening);
  });
}

/** Stops accepting and frees the listening handle at once; open connections stay with the broker. */
export function unbindServer(server: NetServer): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    // server.close()'s callback waits for every connection to end; the handle itself is closed synchronously.
    server.close();
    setImmediate(resolve);
  });
}

/** The bound host and port (or path) of a listening server. */
export function serverAddress(server: NetServer): ListenerAddress | undefined {
  const address = server.address();
  if (address === null) return undefined;
  if (typeof address === 'string') return { path: address };
  return { host: address.address, port: address.port };
}

/**
 * The local end every connection of a server bound to one address shares (its bound host and port), or undefined
 * when it listens on a wildcard address (each connection then has its own local address).
 */
export function fixedLocalEnd(server: NetServer): { readonly host: string; readonly port: number } | undefined {
  const address = server.address();
  if (address === null || typeof address === 'string') return undefined;
  if (address.address === '0.0.0.0' || address.address === '::') return undefined;
  return { host: address.address, port: address.port };
}

/**
 * Builds ConnectionMeta from a socket, preferring a trusted PROXY header's source address. `local` is the server's
 * fixed local end, when it has one: the socket's own is then not asked for (that costs a system call and an object
 * cached on the socket for the connection's lifetime).
 */
export function socketMeta(
  listenerId: string,
  transport: string,
  socket: Socket,
  proxied: ProxiedAddress | undefined,
  local?: { readonly host: string; readonly port: number },
): ConnectionMeta {
  return {
    listenerId,
    transport,
    remoteAddress: proxied?.sourceAddress ?? socket.remoteAddress ?? '',
    remotePort: proxied?.sourcePort ?? socket.remotePort ?? 0,
    localAddress: local !== undefined ? local.host : (socket.localAddress ?? ''),
    localPort: local !== undefined ? local.port : (socket.localPort ?? 0),
  };
}
