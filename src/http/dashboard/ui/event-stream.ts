// Reads the server's event stream (/api/v1/events) with fetch, so the token travels in a header, not in the URL
// as EventSource would need. Reconnects after a pause when the stream breaks.

export interface StreamHandlers {
  onEvent(event: string, data: unknown): void;
  onState(state: 'live' | 'reconnecting'): void;
  onUnauthorized(): void;
}

const RETRY_MS = 2000;

/** Opens the stream; the returned function closes it for good. */
export function openEventStream(token: string, handlers: StreamHandlers): () => void {
  const abort = new AbortController();
  void run(token, handlers, abort.signal);
  return () => abort.abort();
}

async function run(token: string, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const res = await fetch('/api/v1/events', { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal, cache: 'no-store' });
      if (res.status === 401) {
        handlers.onUnauthorized();
        return;
      }
      if (res.ok && res.body !== null) await readEvents(res.body, handlers, signal);
    } catch {
      // Network error or abort: retry below unless aborted.
    }
    if (signal.aborted) return;
    handlers.onState('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

async function readEvents(body: ReadableStream<Uint8Array>, handlers: StreamHandlers, signal: AbortSignal): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  signal.addEventListener('abort', () => void reader.cancel(), { once: true });
  while (true) {
    const { done, value } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) !== -1) {
      const frame = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      let event = 'message';
      let data = '';
      for (const line of frame.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data += line.slice(6);
      }
      if (data === '') continue;
      if (event === 'hello') handlers.onState('live');
      handlers.onEvent(event, JSON.parse(data));
    }
  }
}
