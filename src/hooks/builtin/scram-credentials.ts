// SCRAM-SHA-256 credentials (RFC 5802 / RFC 7677): what the server stores instead of the password.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** Stored SCRAM credentials, all binary fields base64. */
export interface ScramCredentials {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** Default PBKDF2 iteration count (RFC 7677 asks for at least 4096). */
export const SCRAM_DEFAULT_ITERATIONS = 4096;

/** HMAC-SHA-256. */
export function hmacSha256(key: Buffer, data: string | Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** SHA-256. */
export function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** SaltedPassword = Hi(Normalize(password), salt, i). ~NFKC stands in for full SASLprep (RFC 4013). */
export function saltPassword(password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
}

/** Derives the stored credentials for a password, with a random 16-byte salt unless one is given. */
export function createScramCredentials(password: string, iterations = SCRAM_DEFAULT_ITERATIONS, salt: Buffer = randomBytes(16)): ScramCredentials {
  const salted = saltPassword(password, salt, iterations);
  const clientKey = hmacSha256(salted, 'Client Key');
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: sha256(clientKey).toString('base64'),
    serverKey: hmacSha256(salted, 'Server Key').toString('base64'),
  };
}
