// A lean Duplex over one WebSocket: binary messages in, binary frames out, backpressure both ways.
import { Duplex } from 'node:stream';
import WebSocket from 'ws';

/** Close code sent when a client uses text frames (RFC 6455 1003: unsupported data). */
const UNSUPPORTED_DATA = 1003;

/** Exposes a WebSocket as a byte stream; message boundaries are ignored, since MQTT packets may span or share frames. */
export class WebSocketDuplex extends Duplex {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    super({ allowHalfOpen: false });
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        // [MQTT-6.0.0-1] MQTT Control Packets must be sent in WebSocket binary data frames.
        ws.close(UNSUPPORTED_DATA, 'MQTT needs binary frames');
        this.destroy();
        return;
      }
      // Stop reading the socket while the broker has not drained what we pushed.
      if (!this.push(data)) ws.pause();
    });
    ws.on('close', () => {
      if (!this.destroyed) this.push(null);
    });
    ws.on('error', (err: Error) => this.destroy(err));
  }

  /** The underlying WebSocket (for the negotiated subprotocol, for instance). */
  get webSocket(): WebSocket {
    return this.#ws;
  }

  override _read(): void {
    this.#ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#ws.send(chunk, { binary: true }, callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    // One frame per queued chunk, but only the last send's completion releases the writer.
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) this.#ws.send((chunks[i] as { chunk: Buffer }).chunk, { binary: true });
    this.#ws.send((chunks[last] as { chunk: Buffer }).chunk, { binary: true }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(1000);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const ws = this.#ws;
    // A close frame goes out after any queued data, so a final DISCONNECT still reaches the client.
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
    else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    callback(error);
  }
}
