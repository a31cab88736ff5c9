// Matching TLS client certificates in auth rules, and taking a user name from them.
import type { PeerCertificateIdentity } from '../../listeners/listener.js';
import { createGlobMatcher } from './pattern.js';
import type { Matcher } from './pattern.js';

/** Certificate conditions of an auth rule; each present field must match (globs with `*` and `?`). */
export interface CertificateMatch {
  /** Pattern for the subject common name, e.g. `device-*`. */
  commonName?: string;
  /** Pattern for the whole subject DN, e.g. `CN=*,O=Acme`. */
  subject?: string;
  /** Pattern that at least one subject alternative name must match, e.g. `DNS:*.acme.test`. */
  san?: string;
}

/** A compiled CertificateMatch. */
export type CertificateMatcher = (certificate: PeerCertificateIdentity | undefined) => boolean;

/** Compiles certificate conditions; only certificates that verified against the CA (`authorized`) can match. */
export function createCertificateMatcher(match: CertificateMatch): CertificateMatcher {
  const cn: Matcher | undefined = match.commonName === undefined ? undefined : createGlobMatcher(match.commonName);
  const subject: Matcher | undefined = match.subject === undefined ? undefined : createGlobMatcher(match.subject);
  const san: Matcher | undefined = match.san === undefined ? undefined : createGlobMatcher(match.san);
  return (certificate) => {
    // An unverified certificate proves nothing about who the peer is.
    if (certificate === undefined || !certificate.authorized) return false;
    if (cn !== undefined && !cn(certificate.commonName)) return false;
    if (subject !== undefined && !subject(certificate.subject)) return false;
    if (san !== undefined && !certificate.subjectAltNames.some((name) => san(name))) return false;
    return true;
  };
}

/** The user name a verified certificate stands for (its common name), or undefined when there is none. */
export function certificateUsername(certificate: PeerCertificateIdentity | undefined): string | undefined {
  if (certificate === undefined || !certificate.authorized || certificate.commonName === '') return undefined;
  return certificate.commonName;
}
