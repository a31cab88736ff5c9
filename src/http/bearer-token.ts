// Bearer token check for the management API, in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Returns a checker that tells whether an `Authorization` header carries exactly `token` as a Bearer token. */
export function createBearerCheck(token: string): (header: string | undefined) => boolean {
  // Compare fixed-size digests so neither the length nor the content of the token leaks through timing.
  const expected = createHash('sha256').update(token).digest();
  return (header) => {
    if (header === undefined) return false;
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest();
    return timingSafeEqual(given, expected) && match !== null;
  };
}
