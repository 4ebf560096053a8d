// The B2BUA's own settings, validated once at start (jambonz sidecar config.js): from the command
// line / environment in main.ts, or from a test. Defaults follow the issue (30 s no-answer → 480).
import { z } from 'zod';

const hostPort = z.object({ name: z.string().optional(), host: z.string().min(1), port: z.number().int().min(1).max(65535) });

export const settingsSchema = z.object({
  /** Ringing without an answer this long → CANCEL every branch, 480 to the caller. */
  noAnswerTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** A trunk that sends no provisional response this long is abandoned for the next (failover). */
  trunkSetupTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  /** ISO 3166-1 alpha-2 for numbers from trunks and accounts without a country. */
  defaultCountry: z.string().regex(/^[A-Z]{2}$/).nullable().default(null),
  /** rtpengine instances (ng over UDP). */
  rtpengines: z.array(hostPort).min(1),
  rtpengineTimeoutMs: z.number().int().min(50).max(10_000).default(1500),
  rtpenginePingMs: z.number().int().min(0).max(60_000).default(2000),
  /** Digest algorithms offered in 407 challenges (same as the registrar's). */
  digestAlgorithms: z.array(z.enum(['MD5', 'SHA-256'])).min(1).default(['MD5', 'SHA-256']),
  nonceTtlSeconds: z.number().int().min(10).max(3600).default(300),
  /** Redis key prefix for call-limit counters. */
  redisPrefix: z.string().default('ol:b2b:'),
  /** Labels copied into every CDR's tags. */
  cdrTags: z.record(z.string()).default({}),
});

export type B2buaSettings = z.infer<typeof settingsSchema>;
export type B2buaSettingsInput = z.input<typeof settingsSchema>;

export function parseSettings(input: B2buaSettingsInput): B2buaSettings {
  const r = settingsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`b2bua settings: ${i.path.join('.')} ${i.message}`);
  }
  return r.data;
}

/** "host:port" or "name=host:port" → an rtpengine instance. */
export function parseHostPort(v: string): { name?: string; host: string; port: number } {
  const m = /^(?:([^=]+)=)?([^:]+):(\d+)$/.exec(v.trim());
  if (!m) throw new Error(`b2bua settings: '${v}' is not host:port`);
  return { ...(m[1] ? { name: m[1] } : {}), host: m[2], port: Number(m[3]) };
}
