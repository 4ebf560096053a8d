// A self-signed certificate generated at test time with openssl (installed on CI), in a temp dir
// removed by the caller. Key and certificate as PEM text.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCert {
  dir: string;
  keyFile: string;
  certFile: string;
  key: string;
  cert: string;
  remove(): void;
}

export function makeSelfSignedCert(cn = 'localhost'): TestCert {
  const dir = mkdtempSync(path.join(tmpdir(), 'sipd-cert-'));
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`,
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return {
    dir, keyFile, certFile,
    key: readFileSync(keyFile, 'utf8'),
    cert: readFileSync(certFile, 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
