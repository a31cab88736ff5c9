// Which bearer token a request carries: the full token, the read-only one, or neither.
import { createBearerCheck } from './bearer-token.js';

/** What a token lets its holder do: `full` reads and changes; `read-only` only reads (GET and HEAD). */
export type TokenScope = 'full' | 'read-only';

/** Returns a function that maps an `Authorization` header to the scope of the token it carries, or undefined. */
export function createScopeCheck(token: string | undefined, readOnlyToken: string | undefined): (header: string | undefined) => TokenScope | undefined {
  const full = token === undefined || token === '' ? undefined : createBearerCheck(token);
  const readOnly = readOnlyToken === undefined || readOnlyToken === '' ? undefined : createBearerCheck(readOnlyToken);
  return (header) => {
    // Both checks always run, so the answer time does not tell which token was close.
    const isFull = full?.(header) ?? false;
    const isReadOnly = readOnly?.(header) ?? false;
    if (isFull) return 'full';
    return isReadOnly ? 'read-only' : undefined;
  };
}

/** True for the methods a read-only token may use. */
export function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}
