// Serves the dashboard's static files: the page at `/`, its script and style sheet under `/dashboard/`.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../api-error.js';
import { loadDashboardBundle } from './dashboard-bundle.js';

/** Path prefix of the dashboard's assets. */
export const ASSET_PREFIX = '/dashboard/';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * The page talks only to this server, runs no inline script and cannot be framed.
 * uPlot and Preact set element styles through the CSSOM, which `style-src 'self'` allows.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/** True for the paths the dashboard serves. */
export function isDashboardPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path.startsWith(ASSET_PREFIX);
}

/** Per file, computed once: its ETag and its gzip form. */
const prepared = new WeakMap<Buffer, { etag: string; gzip: Buffer }>();

function prepare(body: Buffer): { etag: string; gzip: Buffer } {
  let p = prepared.get(body);
  if (p === undefined) {
    p = { etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`, gzip: gzipSync(body, { level: 9 }) };
    prepared.set(body, p);
  }
  return p;
}

/** Answers a GET/HEAD for a dashboard path; 404 for an unknown asset, 503 when the bundle cannot be loaded. */
export async function serveDashboard(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const name = path.startsWith(ASSET_PREFIX) ? path.slice(ASSET_PREFIX.length) : 'index.html';
  let files;
  try {
    files = await loadDashboardBundle();
  } catch (err) {
    throw new ApiError(503, `dashboard unavailable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const body = name === 'index.html' && path.startsWith(ASSET_PREFIX) ? undefined : files.get(name);
  const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.') + 1)];
  if (body === undefined || type === undefined) throw new ApiError(404, 'not found');
  const { etag, gzip } = prepare(body);
  const headers = { ...SECURITY_HEADERS, etag, 'cache-control': 'no-cache', vary: 'accept-encoding' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const zipped = /\bgzip\b/.test(req.headers['accept-encoding'] ?? '');
  const sent = zipped ? gzip : body;
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': sent.length, ...(zipped ? { 'content-encoding': 'gzip' } : {}) });
  res.end(req.method === 'HEAD' ? undefined : sent);
}
