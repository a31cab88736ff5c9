// Calls to the management API with the bearer token; errors carry the HTTP status and the server's message.

/** An answer other than 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one API request; resolves with the parsed JSON body. */
export async function api<T>(token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  }
  const res = await fetch(`/api/v1/${path}`, { method: init.method ?? 'GET', headers, body, cache: 'no-store' });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: a proxy's error page, for example.
  }
  if (!res.ok) {
    const message = typeof json === 'object' && json !== null && 'error' in json ? String(json.error) : `HTTP ${res.status}`;
    throw new ApiError(res.status, message);
  }
  return json as T;
}

/** A path segment, URL-encoded (client ids and topics may hold `/`, `#`, spaces). */
export function segment(value: string): string {
  return encodeURIComponent(value);
}
