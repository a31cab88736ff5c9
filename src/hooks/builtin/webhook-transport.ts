// POSTs webhook bodies with node:http / node:https over kept-alive connections (one per lane at most).
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The answer's status, or why there was none. */
export type PostOutcome = { readonly status: number } | { readonly error: string; readonly timedOut: boolean };

/**
 * One endpoint. node:http costs a fraction of `fetch` per request (no streams, no Request/Response objects),
 * which matters here: delivery shares the CPU with the broker.
 */
export class WebhookTransport {
  readonly #url: URL;
  readonly #request: typeof httpRequest;
  readonly #agent: HttpAgent;
  readonly #timeoutMs: number;

  constructor(url: string, maxSockets: number, timeoutMs: number) {
    this.#url = new URL(url);
    const https = this.#url.protocol === 'https:';
    this.#request = https ? httpsRequest : httpRequest;
    this.#agent = https ? new HttpsAgent({ keepAlive: true, maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets });
    this.#timeoutMs = timeoutMs;
  }

  /** POSTs `body`; resolves the status once the answer is read (never rejects). */
  post(headers: Record<string, string>, body: string): Promise<PostOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: PostOutcome): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const req = this.#request(this.#url, { method: 'POST', agent: this.#agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res: IncomingMessage) => {
        // Read the answer to its end so the connection can be reused.
        res.on('end', () => settle({ status: res.statusCode ?? 0 }));
        res.on('error', (err) => settle({ error: err.message, timedOut: false }));
        res.resume();
      });
      // The deadline covers the whole exchange, connecting included.
      const timer = setTimeout(() => {
        settle({ error: `no answer within ${this.#timeoutMs} ms`, timedOut: true });
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message, timedOut: false }));
      req.end(body);
    });
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }
}
