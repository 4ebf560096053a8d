// drachtio-srf 5.0.29 refuses to send a status its `sip-status` table lacks, and that table
// predates RFC 8599's 555 (Push Notification Service Not Supported, IANA-registered). Register
// the code once, in the very table srf reads (resolved from srf's own location).
import { createRequire } from 'node:module';

export function registerStatusCodes(): void {
  const fromSrf = createRequire(require.resolve('drachtio-srf'));
  const table = fromSrf('sip-status') as Record<number, string>;
  if (table[555] === undefined) table[555] = 'Push Notification Service Not Supported';
}
