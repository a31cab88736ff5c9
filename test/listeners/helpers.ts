// Shared test helpers for listeners: an echo handler, byte readers, and certificates made with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { ConnectionHandler, ConnectionMeta } from '../../src/listeners/listener.js';

/** A handler that echoes every byte back and records each connection. */
export interface EchoServer {
  readonly handler: ConnectionHandler;
  readonly connections: { stream: Duplex; meta: ConnectionMeta }[];
  /** Resolves with the next connection (or one already received that nobody took yet). */
  next(): Promise<{ stream: Duplex; meta: ConnectionMeta }>;
  destroyAll(): void;
}

/** Creates an echo handler. */
export function createEcho(): EchoServer {
  const connections: { stream: Duplex; meta: ConnectionMeta }[] = [];
  let taken = 0;
  const waiters: ((c: { stream: Duplex; meta: ConnectionMeta }) => void)[] = [];
  return {
    connections,
    handler(stream, meta) {
      const entry = { stream, meta };
      connections.push(entry);
      stream.on('error', () => undefined);
      stream.on('data', (chunk: Buffer) => stream.write(chunk));
      const waiter = waiters.shift();
      if (waiter !== undefined) {
        taken++;
        waiter(entry);
      }
    },
    next() {
      if (taken < connections.length) return Promise.resolve(connections[taken++]!);
      return new Promise((resolve) => waiters.push(resolve));
    },
    destroyAll() {
      for (const c of connections) c.stream.destroy();
    },
  };
}

/** Reads exactly `n` bytes from a stream (all data it emits until then). */
export function readBytes(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      total += chunk.length;
      if (total >= n) {
        cleanup();
        resolve(Buffer.concat(chunks));
      }
    };
    const onEnd = (): void => {
      cleanup();
      reject(new Error(`stream ended after ${total} of ${n} bytes`));
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('close', onEnd);
      stream.off('end', onEnd);
      stream.off('error', onEnd);
    };
    stream.on('data', onData);
    stream.on('close', onEnd);
    stream.on('end', onEnd);
    stream.on('error', onEnd);
  });
}

/** Resolves when the stream is closed by the other side (or errors). */
export function closed(stream: Duplex): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed) return resolve();
    stream.on('error', () => undefined);
    stream.resume();
    stream.once('close', () => resolve());
  });
}

/** PEM files of a throwaway CA, a server certificate for localhost and a client certificate. */
export interface TestCertificates {
  readonly dir: string;
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** Issues another server certificate with the given CN; returns cert and key PEM. */
  issueServer(cn: string): { cert: Buffer; key: Buffer };
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** Generates certificates with openssl in a temp folder (EC keys: fast). */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'swiftlet-certs-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, ['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Swiftlet Test CA']);
  const issue = (name: string, subj: string, san: string): void => {
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]);
  };
  issue('server', '/CN=localhost', 'DNS:localhost,IP:127.0.0.1,IP:::1');
  issue('client', '/O=Acme/CN=device-1', 'URI:urn:device:1,DNS:device-1.example');
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  let serial = 0;
  return {
    dir,
    caCert: read('ca.crt'),
    serverCert: read('server.crt'),
    serverKey: read('server.key'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
    issueServer(cn) {
      const name = `server-${++serial}`;
      issue(name, `/CN=${cn}`, 'DNS:localhost,IP:127.0.0.1');
      return { cert: read(`${name}.crt`), key: read(`${name}.key`) };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP connection to `port` on 127.0.0.1, once connected. */
export async function dial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Two in-memory Duplex ends (node 20 has no stream.duplexPair): bytes written to one are read from the other; destroying one ends both. */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
      destroy(error, callback) {
        const other = peer();
        if (!other.destroyed) other.destroy();
        callback(error);
      },
    });
  ends.push(make(() => ends[1]!), make(() => ends[0]!));
  return [ends[0]!, ends[1]!];
}
