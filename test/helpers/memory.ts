// Memory readings for tests that bound what the broker holds.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection, so that retained memory can be told apart from garbage. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** Bytes held in Buffers (ArrayBuffers and external memory) after full collections (freeing backing stores can lag one). */
export async function bufferBytes(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.arrayBuffers + m.external;
}
