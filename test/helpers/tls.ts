/**
 * Throw-away TLS material for tests: one CA, server and client certificate set per test file (RSA key
 * generation is the slow part, so it is made once and shared), plus a second, unrelated set for
 * "not trusted" cases. Reuses the sandbox's generator so tests exercise the certificates it serves.
 */
import { type LocalCertificates, makeLocalCertificates } from '../../sandbox/tls/certificates';

export type { LocalCertificates };

let shared: Promise<LocalCertificates> | undefined;
let stranger: Promise<LocalCertificates> | undefined;

/** The certificate set shared by one test file. */
export function testCertificates(): Promise<LocalCertificates> {
  shared ??= makeLocalCertificates();
  return shared;
}

/** A second certificate set from a different CA: its certificates are not trusted by the first. */
export function otherCertificates(): Promise<LocalCertificates> {
  stranger ??= makeLocalCertificates();
  return stranger;
}
