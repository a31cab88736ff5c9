// The client half of SCRAM-SHA-256 (RFC 5802 / RFC 7677), for tests that drive the ScramSha256 hook.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { hmacSha256, saltPassword, sha256 } from '../../src/hooks/builtin/scram-credentials.js';

/** Builds client-first, then client-final from the server-first, then checks the server-final signature. */
export class ScramClient {
  readonly nonce = randomBytes(18).toString('base64');
  readonly clientFirstBare: string;
  readonly username: string;
  readonly password: string;
  #authMessage = '';
  #saltedPassword: Buffer = Buffer.alloc(0);

  constructor(username: string, password: string) {
    this.username = username;
    this.password = password;
    this.clientFirstBare = `n=${username.replaceAll('=', '=3D').replaceAll(',', '=2C')},r=${this.nonce}`;
  }

  /** client-first-message (no channel binding). */
  first(): Buffer {
    return Buffer.from(`n,,${this.clientFirstBare}`);
  }

  /** client-final-message with the proof, computed from the server-first-message. */
  final(serverFirst: Buffer): Buffer {
    const text = serverFirst.toString();
    const attrs: Record<string, string> = Object.fromEntries(text.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)]));
    assert.ok(attrs.r!.startsWith(this.nonce), 'server nonce extends the client nonce');
    this.#saltedPassword = saltPassword(this.password, Buffer.from(attrs.s!, 'base64'), Number(attrs.i));
    const withoutProof = `c=biws,r=${attrs.r!}`;
    this.#authMessage = `${this.clientFirstBare},${text},${withoutProof}`;
    const clientKey = hmacSha256(this.#saltedPassword, 'Client Key');
    const signature = hmacSha256(sha256(clientKey), this.#authMessage);
    const proof = Buffer.from(clientKey.map((b, i) => b ^ signature[i]!));
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`);
  }

  /** True when `serverFinal` carries the signature only a server knowing the credentials can make. */
  verifyServer(serverFinal: Buffer | undefined): boolean {
    const expected = hmacSha256(hmacSha256(this.#saltedPassword, 'Server Key'), this.#authMessage);
    return serverFinal?.toString() === `v=${expected.toString('base64')}`;
  }
}
