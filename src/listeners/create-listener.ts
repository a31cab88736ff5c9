// Builds a listener from a plain config object (as read from a config file).
import type { Listener } from './listener.js';
import { TcpListener, type TcpListenerOptions } from './tcp-listener.js';
import { TlsListener, type TlsListenerOptions } from './tls-listener.js';
import type { ClientCertificateMode, TlsMaterialOptions } from './tls-material.js';
import { UnixListener, type UnixListenerOptions } from './unix-listener.js';
import { WebSocketListener, type WebSocketListenerOptions, type WebSocketTlsOptions } from './websocket-listener.js';

/** A listener described as data: `type` picks the class, the other fields are its options. */
export type ListenerConfig =
  | ({ readonly type: 'tcp' } & TcpListenerOptions)
  | ({ readonly type: 'tls' } & TlsListenerOptions)
  | ({ readonly type: 'ws' } & Omit<WebSocketListenerOptions, 'tls'>)
  | ({ readonly type: 'wss' } & WebSocketListenerOptions & TlsMaterialOptions & { readonly clientCertificates?: ClientCertificateMode })
  | ({ readonly type: 'unix' } & UnixListenerOptions);

/** Creates the listener a config object describes; for `wss`, certificate fields may sit in `tls` or at the top level. */
export function createListener(config: ListenerConfig): Listener {
  switch (config.type) {
    case 'tcp':
      return new TcpListener(config);
    case 'tls':
      return new TlsListener(config);
    case 'ws':
      return new WebSocketListener({ ...config, tls: undefined });
    case 'wss': {
      const { cert, key, ca, certFile, keyFile, caFile, passphrase, clientCertificates } = config;
      const tls: WebSocketTlsOptions = config.tls ?? { cert, key, ca, certFile, keyFile, caFile, passphrase, clientCertificates };
      return new WebSocketListener({ ...config, tls });
    }
    case 'unix':
      return new UnixListener(config);
    default: {
      const type = (config as { type?: unknown }).type;
      throw new TypeError(`unknown listener type ${JSON.stringify(type)} (expected tcp, tls, ws, wss or unix)`);
    }
  }
}
