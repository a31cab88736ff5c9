// A real node:http server on 127.0.0.1 port 0 for integration tests: records every request, answers as told.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';

/** One request the endpoint received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes. */
  raw: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  body: unknown;
}

/** What to answer: a status, a JSON body (or a string sent as is), and an optional delay before answering. */
export interface Reply {
  status?: number;
  body?: unknown;
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

/** A running endpoint. */
export interface HttpEndpoint {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /** Replaces the answering function. */
  answer(fn: (req: ReceivedRequest) => Reply | Promise<Reply>): void;
  close(): Promise<void>;
}

/** Starts an endpoint; `fn` decides each answer (default 200 `{}`). */
export async function startEndpoint(fn: (req: ReceivedRequest) => Reply | Promise<Reply> = () => ({ status: 200, body: {} })): Promise<HttpEndpoint> {
  let answer = fn;
  const requests: ReceivedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body };
      requests.push(received);
      void Promise.resolve(answer(received)).then((reply) => {
        if (reply.hang === true) return;
        const send = (): void => {
          const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
          res.writeHead(reply.status ?? 200, { 'content-type': 'application/json' });
          res.end(text);
        };
        if (reply.delayMs === undefined) send();
        else {
          const t = setTimeout(() => {
            timers.delete(t);
            send();
          }, reply.delayMs);
          timers.add(t);
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    port: address.port,
    requests,
    answer(next) {
      answer = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A URL on which nothing listens (an endpoint started and closed again). */
export async function deadUrl(): Promise<string> {
  const e = await startEndpoint();
  await e.close();
  return e.url;
}
