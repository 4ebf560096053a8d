// Test credentials for the push stand-ins, created fresh in a temp dir per call:
//   const k = makeApnsKey();        // { dir, keyFile (.p8), keyPem, publicKey, keyId, teamId }
//   const sa = makeServiceAccount(); // { dir, file (JSON), projectId, clientEmail, privateKey, publicKey }
//   const c = makeServerCert(['localhost', 'fcm.googleapis.com']); // self-signed TLS for a stand-in
// startFakeApns({ teamId, keyId, publicKey }) / startFakeFcm({ projectId, clientEmail, publicKey })
// take the public halves; the push config (or ApnsProvider/FcmProvider) takes the files.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export function pushTempDir(tag = 'push'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `openline-${tag}-`));
}

export interface ApnsTestKey {
  dir: string;
  /** The .p8 file (PKCS#8 PEM, EC P-256), as Apple hands it out. */
  keyFile: string;
  keyPem: string;
  /** SPKI PEM of the key: what the fake APNs verifies JWTs with. */
  publicKey: string;
  /** 10 characters, like Apple's key and team ids. */
  keyId: string;
  teamId: string;
}

function appleId(): string {
  return randomBytes(8).toString('hex').toUpperCase().slice(0, 10);
}

export function makeApnsKey(dir = pushTempDir('apns')): ApnsTestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyId = appleId();
  const keyFile = path.join(dir, `AuthKey_${keyId}.p8`);
  fs.writeFileSync(keyFile, keyPem, { mode: 0o600 });
  return { dir, keyFile, keyPem, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId, teamId: appleId() };
}

export interface FcmTestServiceAccount {
  dir: string;
  /** Service-account JSON as the Firebase console downloads it. */
  file: string;
  projectId: string;
  clientEmail: string;
  privateKey: string;
  /** SPKI PEM: what the fake FCM verifies the OAuth JWT assertion with. */
  publicKey: string;
}

export function makeServiceAccount(dir = pushTempDir('fcm'), projectId = `openline-test-${randomBytes(3).toString('hex')}`): FcmTestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const clientEmail = `firebase-adminsdk-test@${projectId}.iam.gserviceaccount.com`;
  const file = path.join(dir, 'service-account.json');
  fs.writeFileSync(file, JSON.stringify({
    type: 'service_account', project_id: projectId, private_key_id: randomBytes(20).toString('hex'), private_key: pem,
    client_email: clientEmail, client_id: String(Date.now()), auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
  }, null, 2), { mode: 0o600 });
  return { dir, file, projectId, clientEmail, privateKey: pem, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export interface ServerCert {
  keyPem: string;
  certPem: string;
  /** The certificate file: self-signed, so it is its own CA (config caFile). */
  caFile: string;
}

/** A self-signed EC certificate for the given DNS names and 127.0.0.1 (openssl CLI). */
export function makeServerCert(names: string[], dir = pushTempDir('tls')): ServerCert {
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  const san = [...names.map((n) => `DNS:${n}`), 'IP:127.0.0.1'].join(',');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${names[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`,
    '-keyout', keyFile, '-out', certFile,
  ], { stdio: 'ignore' });
  return { keyPem: fs.readFileSync(keyFile, 'utf8'), certPem: fs.readFileSync(certFile, 'utf8'), caFile: certFile };
}

/** Splits a compact JWS; undefined when it is not three base64url parts with JSON header and claims. */
export function decodeJwt(jwt: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signingInput: string; signature: Buffer } | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as unknown;
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) return undefined;
    return { header: header as Record<string, unknown>, claims: claims as Record<string, unknown>, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/** Resolves with the first item matching pred, now or when it arrives; rejects after ms. */
export class Waiters<T> {
  private readonly waiting = new Set<{ pred: (x: T) => boolean; resolve: (x: T) => void }>();

  constructor(private readonly items: T[]) {}

  add(item: T): void {
    this.items.push(item);
    for (const w of [...this.waiting]) {
      if (w.pred(item)) { this.waiting.delete(w); w.resolve(item); }
    }
  }

  waitFor(pred: (x: T) => boolean, ms: number, what: string): Promise<T> {
    const found = this.items.find(pred);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (x: T) => { clearTimeout(timer); resolve(x); },
      };
      const timer = setTimeout(() => { this.waiting.delete(w); reject(new Error(`${what}: nothing matching within ${ms} ms (${this.items.length} received)`)); }, ms);
      this.waiting.add(w);
    });
  }
}
