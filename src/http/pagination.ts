// offset/limit query parameters and paged responses for list routes.
import { ApiError } from './api-error.js';

/** Default page size. */
export const DEFAULT_LIMIT = 100;
/** Largest page size a client may ask for. */
export const MAX_LIMIT = 1000;

/** A page request: items [offset, offset + limit). */
export interface PageRequest {
  readonly offset: number;
  readonly limit: number;
}

/** A page of a list, with the size of the whole list. */
export interface Page<T> {
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly items: T[];
}

/** Parses `offset` (default 0) and `limit` (default 100, 1..1000); throws a 400 ApiError on anything else. */
export function parsePageRequest(query: URLSearchParams): PageRequest {
  return {
    offset: parseInteger(query.get('offset'), 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
    limit: parseInteger(query.get('limit'), 'limit', DEFAULT_LIMIT, 1, MAX_LIMIT),
  };
}

/** Cuts one page out of `all`. */
export function paginate<T>(all: readonly T[], page: PageRequest): Page<T> {
  return { total: all.length, offset: page.offset, limit: page.limit, items: all.slice(page.offset, page.offset + page.limit) };
}

function parseInteger(raw: string | null, name: string, fallback: number, min: number, max: number): number {
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ApiError(400, `${name} must be a non-negative integer`);
  const n = Number(raw);
  if (n < min || n > max) throw new ApiError(400, `${name} must be between ${min} and ${max}`);
  return n;
}
