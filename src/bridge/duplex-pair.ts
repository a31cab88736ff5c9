// Two connected in-memory streams: what one side writes, the other reads. The bridge's local side talks MQTT to the
// broker through such a pair, without a socket.
import { Duplex } from 'node:stream';

class PairEnd extends Duplex {
  peer: PairEnd | undefined;

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (peer === undefined || peer.destroyed) return callback(new Error('the other end is closed'));
    peer.push(chunk);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer !== undefined && !peer.destroyed) {
      peer.peer = undefined;
      peer.push(null);
      peer.destroy();
    }
    callback(error);
  }
}

/** Returns two connected ends. Destroying one ends the other. */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd({ allowHalfOpen: false });
  const b = new PairEnd({ allowHalfOpen: false });
  a.peer = b;
  b.peer = a;
  return [a, b];
}
