// Keys the API derives from the configured secrets (HKDF-SHA-256, RFC 5869), one per purpose, so
// a token of one kind never verifies as another and no new secret needs provisioning.
import { createHash, hkdfSync, createHmac } from 'node:crypto';

export interface ApiKeys {
  /** Signs access tokens. */
  access: string;
  /** Signs one-time links (activation, reset, invitation). */
  links: string;
  /** Keys the hash of phone numbers kept for contact discovery. */
  discovery: Buffer;
}

function derive(secret: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(info, 'utf8'), 32));
}

/**
 * Access and link keys come from secrets.jwtKey; the discovery key from secrets.sipPasswordKey,
 * which (like the hashes it keys) must outlive rotations of the token key.
 */
export function deriveKeys(jwtKey: string, sipPasswordKey: string): ApiKeys {
  return {
    access: derive(jwtKey, 'openline api access token v1').toString('base64url'),
    links: derive(jwtKey, 'openline api one-time link v1').toString('base64url'),
    discovery: derive(sipPasswordKey, 'openline contact discovery v1'),
  };
}

/** Keyed hash of an E.164 number: what the address-book store keeps instead of the number. */
export function phoneHash(key: Buffer, e164: string): string {
  return createHmac('sha256', key).update(e164).digest('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
