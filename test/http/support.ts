// Shared setup for the HTTP tests: a broker on port 0 with an HttpServer on port 0, and a fetch wrapper.
//
// Glossary: "API" = the management REST API under /api/v1; "token" = its bearer token.
import { HttpServer } from '../../src/http/http-server.js';
import type { HttpServerOptions } from '../../src/http/http-server.js';
import { startBroker } from '../helpers/broker.js';
import type { TestBroker } from '../helpers/broker.js';

export const TOKEN = 'test-token-0123456789';

/** A running broker with its HTTP side. */
export interface HttpFixture extends TestBroker {
  http: HttpServer;
  base: string;
  errors: object[];
  /** fetch against the HTTP server, with the bearer token unless `token` is given (null = none). */
  call(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  /** Like call(), parsing the JSON body. */
  json(path: string, init?: RequestInit & { token?: string | null }): Promise<{ status: number; body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

/** Starts a broker and an HttpServer on ephemeral ports. */
export async function startHttp(options: Partial<HttpServerOptions> = {}): Promise<HttpFixture> {
  const tb = await startBroker({ sysInterval: 0 });
  const errors: object[] = [];
  const http = new HttpServer(tb.broker, { port: 0, token: TOKEN, logger: { error: (obj) => errors.push(obj) }, ...options });
  await http.listen();
  const addr = http.address();
  if (addr === undefined) throw new Error('no http address');
  const base = `http://127.0.0.1:${addr.port}`;
  const call = (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
    const { token = TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    return fetch(base + path, { ...rest, headers });
  };
  return {
    ...tb,
    http,
    base,
    errors,
    call,
    async json(path, init) {
      const res = await call(path, init);
      const text = await res.text();
      return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
    },
    async stop() {
      await http.close();
      await tb.close();
    },
  };
}
