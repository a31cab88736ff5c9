// Extracts the client identity from a TLS socket's peer certificate.
import type { TLSSocket } from 'node:tls';
import type { PeerCertificateIdentity } from './listener.js';

/** Returns the peer certificate identity of `socket`, or undefined when the client sent no certificate. */
export function readPeerCertificate(socket: TLSSocket): PeerCertificateIdentity | undefined {
  const x509 = socket.getPeerX509Certificate();
  if (x509 === undefined) return undefined;
  // X509Certificate.subject is one `KEY=value` per line, in certificate order.
  const rdns = x509.subject.split('\n').filter((line) => line.length > 0);
  const cn = rdns.find((line) => line.startsWith('CN='));
  return {
    subject: rdns.join(','),
    commonName: cn === undefined ? '' : cn.slice(3),
    subjectAltNames: x509.subjectAltName === undefined ? [] : x509.subjectAltName.split(', '),
    fingerprint256: x509.fingerprint256,
    authorized: socket.authorized,
  };
}
