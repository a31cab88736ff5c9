// An error that becomes an HTTP status and a JSON `{ "error": message }` body.

/** A request error with its HTTP status (400, 401, 404, 405, 413, ...). */
export class ApiError extends Error {
  readonly status: number;
  /** Extra response headers, e.g. `Allow` for 405. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Readonly<Record<string, string>> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.headers = headers;
  }
}
