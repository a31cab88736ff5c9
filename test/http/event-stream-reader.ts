// Reads a Server-Sent Events response in tests: each frame as { event, data } in arrival order.

/** One SSE frame with its JSON data parsed. */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** An open event stream: `next(name)` waits for the next frame with that event name (and matching `where`), skipping none. */
export interface EventStreamReader {
  next(event: string, timeoutMs?: number, where?: (data: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export function readEventStream(res: Response): EventStreamReader {
  if (res.body === null) throw new Error('no body');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  let buffered = '';
  let ended = false;
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      while (true) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffered.indexOf('\n\n')) !== -1) {
          const frame = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event !== undefined && data !== undefined) queue.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
        wake?.();
      }
    } catch {
      // cancelled
    }
    ended = true;
    wake?.();
  })();
  return {
    async next(event, timeoutMs = 5000, where = () => true) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const i = queue.findIndex((e) => e.event === event && where(e.data));
        if (i !== -1) return queue.splice(i, 1)[0]!.data;
        if (ended) throw new Error(`stream ended before a ${event} event`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${event} event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    },
    async close() {
      await reader.cancel().catch(() => undefined);
    },
  };
}
