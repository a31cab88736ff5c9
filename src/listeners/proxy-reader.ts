// Reads a PROXY header off a fresh socket without losing the bytes that follow it.
import type { Socket } from 'node:net';
import { decodeProxyHeader, type ProxiedAddress } from './proxy-protocol.js';

/** Default time a trusted peer has to send its whole PROXY header, in milliseconds. */
export const DEFAULT_PROXY_HEADER_TIMEOUT_MS = 5000;

/** Called once: with the proxied address (undefined for LOCAL/UNKNOWN) or with an error after the socket was destroyed. */
export type ProxyHeaderCallback = (error: Error | null, address: ProxiedAddress | undefined) => void;

/**
 * Reads the PROXY header from `socket`, then puts any following bytes back with `unshift` so the next
 * reader (the broker, or a TLSSocket wrapping this socket) sees them first; destroys the socket on a bad or late header.
 */
export function readProxyHeader(socket: Socket, timeoutMs: number, done: ProxyHeaderCallback): void {
  let buffered: Buffer | undefined;
  let finished = false;

  const finish = (error: Error | null, address: ProxiedAddress | undefined): void => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('close', onClose);
    socket.removeListener('error', onError);
    if (error !== null) socket.destroy();
    done(error, address);
  };

  // 'readable' (paused mode) rather than 'data': once the listener is removed the stream returns to its
  // initial state, so the broker can attach 'data' and flow as on a socket nobody touched.
  const onReadable = (): void => {
    let chunk: Buffer | null;
    while ((chunk = socket.read() as Buffer | null) !== null) {
      buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      const result = decodeProxyHeader(buffered);
      if (result.kind === 'incomplete') continue;
      if (result.kind === 'invalid') {
        finish(new Error(`PROXY header rejected: ${result.reason}`), undefined);
        return;
      }
      const rest = buffered.subarray(result.length);
      if (rest.length > 0) socket.unshift(rest);
      finish(null, result.address);
      return;
    }
  };
  const onClose = (): void => finish(new Error('connection closed before the PROXY header'), undefined);
  const onError = (err: Error): void => finish(err, undefined);
  const timer = setTimeout(() => finish(new Error('PROXY header timeout'), undefined), timeoutMs);

  socket.on('readable', onReadable);
  socket.on('close', onClose);
  socket.on('error', onError);
}
