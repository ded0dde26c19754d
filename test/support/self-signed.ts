/** A certificate no CA vouches for, made by openssl for a test's TLS server. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSigned {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}

/** Writes key.pem and cert.pem into `dir` for `name` (a host name, or an IP address). */
export function selfSignedCertificate(dir: string, name = 'localhost'): SelfSigned {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const altName = /^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`;
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`, '-addext'].concat([
      `subjectAltName=${altName}`,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]),
    { stdio: 'pipe' },
  );
  return { keyPath, certPath, key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
