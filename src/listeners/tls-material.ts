// Loads TLS certificates and keys from PEM values or files, and watches the files for changes.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions } from 'node:tls';

/** A PEM value: the text or bytes themselves, or (a string without `-----BEGIN`) a file path. */
export type PemSource = string | Buffer;

/** Certificate material for a TLS listener; the `*File` fields win over the inline ones. */
export interface TlsMaterialOptions {
  /** Server certificate chain (PEM value or path). */
  readonly cert?: PemSource;
  /** Server private key (PEM value or path). */
  readonly key?: PemSource;
  /** CA bundle used to verify client certificates (PEM value or path); default node's root CAs. */
  readonly ca?: PemSource;
  /** Path of the certificate chain file; re-read by reloadCertificates(). */
  readonly certFile?: string;
  /** Path of the private key file; re-read by reloadCertificates(). */
  readonly keyFile?: string;
  /** Path of the CA bundle file; re-read by reloadCertificates(). */
  readonly caFile?: string;
  /** Passphrase of an encrypted private key. */
  readonly passphrase?: string;
  /** Oldest TLS version accepted; default `TLSv1.2` (whatever the process-wide default says). */
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list (TLS 1.3 suites included); default TLS_CIPHERS. */
  readonly ciphers?: string;
}

/** The oldest TLS version Swiftlet speaks, as a server and as a client: TLS 1.0 and 1.1 are deprecated (RFC 8996). */
export const TLS_MIN_VERSION = 'TLSv1.2';

/**
 * The cipher suites Swiftlet offers and accepts: the TLS 1.3 suites, and for TLS 1.2 only ECDHE key exchange (forward
 * secrecy) with AEAD ciphers (no CBC, no static RSA key exchange, no SHA-1 MACs). Set explicitly so that a lowered
 * process-wide default (`tls.DEFAULT_CIPHERS`, `--tls-cipher-list`) does not weaken the broker.
 */
export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** Which client certificates a TLS listener asks for: none, verify when sent, or demand a verified one. */
export type ClientCertificateMode = 'none' | 'optional' | 'required';

const PEM_MARKER = '-----BEGIN';

/** Resolves a PemSource to a path when it names a file, or undefined when it is PEM content. */
function pathOf(fileOption: string | undefined, inline: PemSource | undefined): string | undefined {
  if (fileOption !== undefined) return fileOption;
  if (typeof inline === 'string' && !inline.includes(PEM_MARKER)) return inline;
  return undefined;
}

/** Certificate material that cannot be used; the message names the listener and the file. */
export class TlsMaterialError extends Error {
  readonly code = 'SWIFTLET_ERR_TLS_MATERIAL' as const;

  constructor(message: string) {
    super(message);
    this.name = 'TlsMaterialError';
  }
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function loadOne(where: string, what: string, fileOption: string | undefined, inline: PemSource | undefined): Promise<Buffer | string | undefined> {
  const path = pathOf(fileOption, inline);
  if (path === undefined) return inline;
  try {
    return await readFile(path);
  } catch (err) {
    throw new TlsMaterialError(`${where}: ${what} ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? message(err)})`);
  }
}

/**
 * Reads the certificate, key and CA (from files where given) into options for a secure context, and checks each part
 * on its own first, so an error names the listener (`listenerId`) and the file at fault rather than an OpenSSL code.
 */
export async function loadTlsMaterial(options: TlsMaterialOptions, listenerId?: string): Promise<SecureContextOptions> {
  const where = listenerId === undefined ? 'TLS' : `listener ${listenerId}`;
  const [cert, key, ca] = await Promise.all([
    loadOne(where, 'certificate', options.certFile, options.cert),
    loadOne(where, 'key', options.keyFile, options.key),
    loadOne(where, 'CA', options.caFile, options.ca),
  ]);
  if (cert === undefined || key === undefined) throw new TypeError(`${where}: a TLS listener needs cert and key (or certFile and keyFile)`);
  const name = (file: string | undefined, inline: PemSource | undefined): string => pathOf(file, inline) ?? '(inline PEM)';
  const certName = name(options.certFile, options.cert);
  const keyName = name(options.keyFile, options.key);
  try {
    new X509Certificate(cert);
  } catch (err) {
    throw new TlsMaterialError(`${where}: certificate ${certName}: not a usable PEM certificate (${message(err)})`);
  }
  try {
    createPrivateKey(options.passphrase === undefined ? { key } : { key, passphrase: options.passphrase });
  } catch (err) {
    throw new TlsMaterialError(`${where}: key ${keyName}: not a usable PEM private key (${message(err)})`);
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw new TlsMaterialError(`${where}: CA ${name(options.caFile, options.ca)}: not a usable PEM certificate (${message(err)})`);
    }
  }
  const material: SecureContextOptions = { cert, key, minVersion: options.minVersion ?? TLS_MIN_VERSION, ciphers: options.ciphers ?? TLS_CIPHERS };
  if (ca !== undefined) material.ca = ca;
  if (options.passphrase !== undefined) material.passphrase = options.passphrase;
  try {
    createSecureContext(material);
  } catch (err) {
    throw new TlsMaterialError(`${where}: certificate ${certName} with key ${keyName}: ${message(err)}`);
  }
  return material;
}

/** The files reloadCertificates() re-reads and `watch` observes. */
export function tlsMaterialFiles(options: TlsMaterialOptions): string[] {
  const files = [pathOf(options.certFile, options.cert), pathOf(options.keyFile, options.key), pathOf(options.caFile, options.ca)];
  return files.filter((f): f is string => f !== undefined).map((f) => resolve(f));
}

/**
 * Calls `onChange` (debounced by `debounceMs`) when any of `files` changes; returns a function that stops watching.
 * Watches the parent folders, because tools that replace a file by rename end a watch on the file itself.
 */
export function watchTlsMaterial(files: readonly string[], debounceMs: number, onChange: () => void, onError: (err: Error) => void): () => void {
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const dir = dirname(file);
    const names = byDir.get(dir) ?? new Set<string>();
    names.add(basename(file));
    byDir.set(dir, names);
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    const watcher = watch(dir, { persistent: false }, (_event, filename) => {
      if (filename !== null && !names.has(filename.toString())) return;
      clearTimeout(timer);
      // Several writes (cert, then key) arrive as a burst; reload once after it settles.
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', onError);
    watchers.push(watcher);
  }
  return () => {
    clearTimeout(timer);
    for (const watcher of watchers) watcher.close();
  };
}
