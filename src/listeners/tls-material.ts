// Loads TLS certificates and keys from PEM values or files, and watches the files for changes.
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
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
}

/** Which client certificates a TLS listener asks for: none, verify when sent, or demand a verified one. */
export type ClientCertificateMode = 'none' | 'optional' | 'required';

const PEM_MARKER = '-----BEGIN';

/** Resolves a PemSource to a path when it names a file, or undefined when it is PEM content. */
function pathOf(fileOption: string | undefined, inline: PemSource | undefined): string | undefined {
  if (fileOption !== undefined) return fileOption;
  if (typeof inline === 'string' && !inline.includes(PEM_MARKER)) return inline;
  return undefined;
}

async function loadOne(fileOption: string | undefined, inline: PemSource | undefined): Promise<Buffer | string | undefined> {
  const path = pathOf(fileOption, inline);
  if (path !== undefined) return readFile(path);
  return inline;
}

/** Reads the certificate, key and CA (from files where given) into options for a secure context. */
export async function loadTlsMaterial(options: TlsMaterialOptions): Promise<SecureContextOptions> {
  const [cert, key, ca] = await Promise.all([
    loadOne(options.certFile, options.cert),
    loadOne(options.keyFile, options.key),
    loadOne(options.caFile, options.ca),
  ]);
  if (cert === undefined || key === undefined) throw new TypeError('a TLS listener needs cert and key (or certFile and keyFile)');
  const material: SecureContextOptions = { cert, key };
  if (ca !== undefined) material.ca = ca;
  if (options.passphrase !== undefined) material.passphrase = options.passphrase;
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
