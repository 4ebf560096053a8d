// Identifiers sipd generates: tags (§19.3: ≥ 32 bits of randomness), Via branches with the
// RFC 3261 magic cookie (§8.1.1.7), Call-IDs, and drachtio-style transaction ids.
import { randomBytes } from 'node:crypto';

// A pool of random bytes refilled in blocks: one crypto call per ~512 ids on the hot path.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let offset = 0;

function randomHex(bytes: number): string {
  if (offset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    offset = 0;
  }
  const s = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return s;
}

export function newTag(): string {
  return randomHex(8);
}

export function newBranch(): string {
  return `z9hG4bK${randomHex(10)}`;
}

export function newCallId(): string {
  return randomHex(16);
}

/** Transaction ids handed to apps (srf's req.stackTxnId): opaque, unique per process. */
export function newTransactionId(): string {
  const b = randomHex(16);
  return `${b.slice(0, 8)}-${b.slice(8, 12)}-${b.slice(12, 16)}-${b.slice(16, 20)}-${b.slice(20, 32)}`;
}
