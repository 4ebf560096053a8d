// Nonces (RFC 7616 §3.3, §5.4): self-verifying so any registrar node sharing the key accepts a
// nonce issued by another one, and carrying their issue time so an old one is answered with
// stale=true instead of a plain failure. Layout (base64url): issued (u32 s) | random (8) |
// HMAC-SHA256(key, issued|random|realm) truncated to 12 bytes.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const ISSUED = 4;
const RANDOM = 8;
const MAC = 12;
const RAW = ISSUED + RANDOM + MAC;

export type NonceCheck = 'valid' | 'stale' | 'forged';

export class NonceFactory {
  /** Random bytes drawn in blocks: one randomBytes() call per 512 nonces (hot path). */
  private pool = Buffer.alloc(0);
  private poolPos = 0;

  constructor(private readonly key: Buffer | string, private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now) {}

  issue(realm: string): string {
    const raw = Buffer.allocUnsafe(RAW);
    raw.writeUInt32BE(Math.floor(this.now() / 1000) >>> 0, 0);
    if (this.poolPos + RANDOM > this.pool.length) {
      this.pool = randomBytes(RANDOM * 512);
      this.poolPos = 0;
    }
    this.pool.copy(raw, ISSUED, this.poolPos, this.poolPos + RANDOM);
    this.poolPos += RANDOM;
    this.mac(raw.subarray(0, ISSUED + RANDOM), realm).copy(raw, ISSUED + RANDOM);
    return raw.toString('base64url');
  }

  /** 'forged' for anything we did not issue for this realm; 'stale' once past the TTL. */
  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== Math.ceil((RAW * 4) / 3)) return 'forged';
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== RAW) return 'forged';
    const expected = this.mac(raw.subarray(0, ISSUED + RANDOM), realm);
    if (!timingSafeEqual(expected, raw.subarray(ISSUED + RANDOM))) return 'forged';
    const age = Math.floor(this.now() / 1000) - raw.readUInt32BE(0);
    // A nonce from the future (clock skew between nodes) is accepted within the TTL too.
    return Math.abs(age) > this.ttlSeconds ? 'stale' : 'valid';
  }

  /** Seconds since the nonce was issued (only meaningful after check() said valid). */
  expiresAtMs(nonce: string): number {
    return (Buffer.from(nonce, 'base64url').readUInt32BE(0) + this.ttlSeconds) * 1000;
  }

  private mac(head: Buffer, realm: string): Buffer {
    return createHmac('sha256', this.key).update(head).update(realm).digest().subarray(0, MAC);
  }
}

/**
 * Replay protection (RFC 7616 §3.4, §5.4): the nonce count must grow for each use of a nonce.
 * Bounded memory: the oldest entries go first; an evicted nonce is treated as unseen, which
 * the nonce TTL bounds.
 */
export class NonceCounter {
  private readonly seen = new Map<string, { nc: number; expiresAt: number }>();

  constructor(private readonly capacity = 200_000, private readonly now: () => number = Date.now) {}

  /** Records nc for the nonce; false if nc is not greater than the last one seen (a replay). */
  accept(nonce: string, nc: number, expiresAt: number): boolean {
    const prev = this.seen.get(nonce);
    if (prev && prev.expiresAt > this.now() && nc <= prev.nc) return false;
    if (prev) this.seen.delete(nonce); // re-insert: Map order is the eviction order
    this.seen.set(nonce, { nc, expiresAt });
    if (this.seen.size > this.capacity) this.evict();
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private evict(): void {
    const now = this.now();
    let drop = Math.max(1, Math.floor(this.capacity / 10));
    for (const [k, v] of this.seen) {
      if (drop <= 0 && v.expiresAt > now) break;
      this.seen.delete(k);
      drop--;
    }
  }
}
