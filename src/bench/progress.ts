// A one-line progress bar on stderr, drawn only when stderr is a terminal.

/** Draws and clears a progress bar; every method is a no-op off a TTY. */
export class ProgressBar {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  #prefix = '';
  #lastDraw = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr, enabled = stream.isTTY) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  /** Sets the text shown before the bar (e.g. round, scenario and broker). */
  setPrefix(prefix: string): void {
    this.#prefix = prefix;
  }

  /** Redraws with a fraction from 0 to 1 and a status text, at most 10 times a second. */
  update(fraction: number, status: string): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < 100 && fraction < 1) return;
    this.#lastDraw = now;
    const width = 24;
    const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
    const line = `${this.#prefix} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.round(fraction * 100)}% ${status}`;
    const cols = this.#stream.columns || 100;
    this.#stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}`);
  }

  /** Clears the bar's line. */
  clear(): void {
    if (this.#enabled) this.#stream.write('\r\x1b[2K');
  }
}
