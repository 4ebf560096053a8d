// Server-side digest authentication for SIP (RFC 3261 §22.4, RFC 7616, RFC 8760): challenges
// offering SHA-256 and MD5 together, verification against stored HA1 values, nonce expiry
// (stale=true) and nonce-count replay protection. Outcomes are an enum the caller maps to SIP.
import { createHash, timingSafeEqual } from 'node:crypto';
import { NonceCounter, NonceFactory } from './nonce';
import { DigestCredentials, parseDigestCredentials, quote } from './params';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export enum DigestOutcome {
  Ok = 'ok',
  /** No (or unparseable) Digest credentials: challenge. */
  Missing = 'missing',
  /** Our nonce, expired: challenge with stale=true (RFC 7616 §3.3). */
  Stale = 'stale',
  /** Wrong password or unknown user: the same outcome for both (no user enumeration). */
  Mismatch = 'mismatch',
  /** A nonce we never issued, or for another realm. */
  BadNonce = 'bad-nonce',
  /** nc not above the last one seen for the nonce. */
  Replay = 'replay',
  /** Credentials for another realm than the one challenged. */
  WrongRealm = 'wrong-realm',
  /** An algorithm we did not offer (e.g. MD5-sess). */
  BadAlgorithm = 'bad-algorithm',
}

/** Stored secrets of one user: HA1 per algorithm (never the password). */
export type Ha1Set = Readonly<Record<DigestAlgorithm, string>>;

export interface DigestServerOptions {
  /** Key for nonce MACs; every node that must accept another's nonces shares it. */
  nonceKey: Buffer | string;
  nonceTtlSeconds: number;
  /** Offered in this order, most preferred first (RFC 8760 §2.4). Default SHA-256, MD5. */
  algorithms?: readonly DigestAlgorithm[];
  /** Nonces tracked for replay protection (memory bound). */
  trackedNonces?: number;
  now?: () => number;
}

export interface VerifyResult {
  outcome: DigestOutcome;
  credentials?: DigestCredentials;
  algorithm?: DigestAlgorithm;
}

const HASH: Record<DigestAlgorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256' };

function h(alg: DigestAlgorithm, text: string): string {
  return createHash(HASH[alg]).update(text, 'utf8').digest('hex');
}

/** RFC 7616 §3.4.1 (qop=auth) and RFC 2069 compatibility (no qop, RFC 3261 §22.4). */
export function digestResponse(alg: DigestAlgorithm, ha1: string, c: Pick<DigestCredentials, 'nonce' | 'uri' | 'nc' | 'cnonce' | 'qop'>, method: string): string {
  const ha2 = h(alg, `${method}:${c.uri}`);
  return c.qop
    ? h(alg, `${ha1}:${c.nonce}:${c.nc ?? ''}:${c.cnonce ?? ''}:${c.qop}:${ha2}`)
    : h(alg, `${ha1}:${c.nonce}:${ha2}`);
}

function algorithmOf(sent: string | undefined): DigestAlgorithm | undefined {
  if (sent === undefined) return 'MD5';
  const a = sent.toUpperCase();
  return a === 'MD5' ? 'MD5' : a === 'SHA-256' ? 'SHA-256' : undefined;
}

function safeEqualHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase(), 'latin1');
  const y = Buffer.from(b.toLowerCase(), 'latin1');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A dummy HA1 per algorithm, used for unknown users so their check costs the same. */
const DUMMY: Ha1Set = { MD5: '0'.repeat(32), 'SHA-256': '0'.repeat(64) };

export class DigestServer {
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly nonces: NonceFactory;
  private readonly counter: NonceCounter;

  constructor(opts: DigestServerOptions) {
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.nonces = new NonceFactory(opts.nonceKey, opts.nonceTtlSeconds, opts.now);
    this.counter = new NonceCounter(opts.trackedNonces, opts.now);
  }

  /**
   * WWW-Authenticate values, one per algorithm, most preferred first (RFC 8760 §2.4); one
   * fresh nonce shared by them. stale=true after an expired nonce (RFC 7616 §3.3).
   */
  challenge(realm: string, stale = false): string[] {
    const nonce = this.nonces.issue(realm);
    const tail = `, nonce=${quote(nonce)}, qop="auth"${stale ? ', stale=true' : ''}`;
    return this.algorithms.map((a) => `Digest realm=${quote(realm)}, algorithm=${a}${tail}`);
  }

  /** The client's credentials for a realm from an Authorization header value. */
  parse(header: string | undefined): DigestCredentials | undefined {
    return parseDigestCredentials(header);
  }

  /**
   * Checks credentials for `realm` and `method` against the user's stored HA1 values
   * (undefined: unknown user, which fails exactly like a wrong password).
   */
  verify(credentials: DigestCredentials | undefined, realm: string, method: string, ha1: Ha1Set | undefined): VerifyResult {
    const c = credentials;
    if (!c) return { outcome: DigestOutcome.Missing };
    if (c.realm !== realm) return { outcome: DigestOutcome.WrongRealm, credentials: c };
    const alg = algorithmOf(c.algorithm);
    if (!alg || !this.algorithms.includes(alg)) return { outcome: DigestOutcome.BadAlgorithm, credentials: c };
    const nonceState = this.nonces.check(c.nonce, realm);
    if (nonceState === 'forged') return { outcome: DigestOutcome.BadNonce, credentials: c, algorithm: alg };
    // RFC 7616 §3.4: qop is "auth" (we offer nothing else); nc/cnonce are then required.
    if (c.qop !== undefined && (c.qop !== 'auth' || !c.cnonce || !/^[0-9a-fA-F]{8}$/.test(c.nc ?? ''))) {
      return { outcome: DigestOutcome.Mismatch, credentials: c, algorithm: alg };
    }
    const expected = digestResponse(alg, (ha1 ?? DUMMY)[alg], c, method);
    const match = safeEqualHex(expected, c.response) && ha1 !== undefined;
    if (!match) return { outcome: DigestOutcome.Mismatch, credentials: c, algorithm: alg };
    // A correct answer to an expired nonce: the client knows the password, ask it to retry.
    if (nonceState === 'stale') return { outcome: DigestOutcome.Stale, credentials: c, algorithm: alg };
    if (c.qop !== undefined && !this.counter.accept(c.nonce, parseInt(c.nc ?? '0', 16), this.nonces.expiresAtMs(c.nonce))) {
      return { outcome: DigestOutcome.Replay, credentials: c, algorithm: alg };
    }
    return { outcome: DigestOutcome.Ok, credentials: c, algorithm: alg };
  }
}
