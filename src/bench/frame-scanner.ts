// A minimal streaming splitter for MQTT frames: finds packet boundaries and nothing else.
// The generator counts and verifies hundreds of thousands of PUBLISH a second; a full
// decoder building packet objects would make the generator the bottleneck.

/** Called for each complete packet: first header byte, the buffer, and the body's [start, end). */
export type FrameHandler = (byte1: number, buf: Buffer, start: number, end: number) => void;

/** Thrown when the stream cannot be MQTT (a remaining length longer than four bytes). */
export class FrameError extends Error {}

/** Splits a byte stream into MQTT frames, keeping only a partial trailing frame between chunks. */
export class FrameScanner {
  #rest: Buffer | null = null;
  readonly #onFrame: FrameHandler;

  constructor(onFrame: FrameHandler) {
    this.#onFrame = onFrame;
  }

  /** Feeds one chunk; calls the handler for every frame completed by it. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#rest !== null) {
      buf = Buffer.concat([this.#rest, chunk]);
      this.#rest = null;
    }
    const len = buf.length;
    let pos = 0;
    while (pos + 2 <= len) {
      let remaining = 0;
      let mul = 1;
      let at = pos + 1;
      let complete = false;
      for (let i = 0; i < 4 && at < len; i++) {
        const b = buf[at++]!;
        remaining += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
        if (i === 3) throw new FrameError('remaining length longer than 4 bytes');
      }
      if (!complete || at + remaining > len) break;
      this.#onFrame(buf[pos]!, buf, at, at + remaining);
      pos = at + remaining;
    }
    if (pos < len) this.#rest = pos === 0 ? buf : buf.subarray(pos);
  }
}
