// Credential helpers: web password hashing (scrypt), SIP digest HA1 (RFC 2617 / RFC 8760) and
// AES-256-GCM encryption of the SIP and trunk passwords that must be recoverable.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1, keyLen: 32, saltLen: 16 } as const;

function scryptAsync(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Hash a web password with a fresh salt. The result carries its own parameters so they can be
 * raised later without breaking old hashes: "scrypt$N=16384,r=8,p=1$<salt>$<hash>" (base64).
 */
export async function hashPassword(password: string, params: { N?: number; r?: number; p?: number } = {}): Promise<string> {
  const N = params.N ?? SCRYPT_DEFAULTS.N;
  const r = params.r ?? SCRYPT_DEFAULTS.r;
  const p = params.p ?? SCRYPT_DEFAULTS.p;
  const salt = randomBytes(SCRYPT_DEFAULTS.saltLen);
  const key = await scryptAsync(password, salt, SCRYPT_DEFAULTS.keyLen, { N, r, p, maxmem: 256 * N * r });
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

const HASH_RE = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

/** True when the password matches the stored hash; false for a mismatch or a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = HASH_RE.exec(stored);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0 || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  const salt = Buffer.from(m[4], 'base64');
  const expected = Buffer.from(m[5], 'base64');
  const key = await scryptAsync(password, salt, expected.length, { N, r, p, maxmem: 256 * N * r });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** HA1 = H(username ":" realm ":" password), lower-case hex (RFC 2617 §3.2.2.2, RFC 8760 §3). */
export function computeHa1(username: string, realm: string, password: string, algorithm: DigestAlgorithm): string {
  const h = createHash(algorithm === 'MD5' ? 'md5' : 'sha256');
  return h.update(`${username}:${realm}:${password}`, 'utf8').digest('hex');
}

/** A random password for SIP accounts: 20 characters from a URL-safe alphabet (~120 bits). */
export function generatePassword(length = 20): string {
  return randomBytes(Math.ceil((length * 3) / 4) + 3).toString('base64url').slice(0, length);
}

export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

/** Parse the configured AES-256 key (64 hex digits). */
export function parseKey(hexKey: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hexKey)) throw new SecretBoxError('encryption key must be 64 hex digits');
  return Buffer.from(hexKey, 'hex');
}

/**
 * AES-256-GCM with a random 96-bit IV. Output: "v1.<iv>.<tag>.<ciphertext>" (base64url). The
 * optional context is authenticated (AAD) so a value copied to another row does not decrypt.
 */
export function encryptSecret(hexKey: string, plaintext: string, context = ''): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', parseKey(hexKey), iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
}

export function decryptSecret(hexKey: string, sealed: string, context = ''): string {
  const parts = sealed.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1') throw new SecretBoxError('not an encrypted value (v1)');
  const [, iv, tag, ct] = parts.map((p) => Buffer.from(p, 'base64url'));
  if (iv.length !== 12 || tag.length !== 16) throw new SecretBoxError('malformed encrypted value');
  const decipher = createDecipheriv('aes-256-gcm', parseKey(hexKey), iv);
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ct), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError('cannot decrypt: wrong key, wrong context or tampered value');
  }
}
