// Serves the dashboard's static files: the page at `/`, its script and style sheet under `/dashboard/`.
import { createHash } from 'node:crypto';
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

const etags = new WeakMap<Buffer, string>();

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
  let etag = etags.get(body);
  if (etag === undefined) {
    etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    etags.set(body, etag);
  }
  const headers = { ...SECURITY_HEADERS, etag, 'cache-control': 'no-cache' };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-type': type, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
