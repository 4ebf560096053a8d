// Request and response shapes shared by the routes (zod; the OpenAPI document is generated from them).
import { z } from 'zod/v4';
import { isCountry } from '../phone/normalise';

export const country = z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code, e.g. PL')
  .refine(isCountry, 'is not a known country code').transform((c) => c.toUpperCase());

export const phone = z.string().min(2, 'must be a phone number').max(32, 'must be at most 32 characters')
  .regex(/^[+0-9\s\-.()/]+$/, 'must be a phone number (digits, optionally + and separators)');

/** New usernames start with a letter (numbers are the logins of phone accounts). */
export const username = z.string().regex(/^[A-Za-z][A-Za-z0-9._-]{2,31}$/,
  'must be 3..32 characters: a letter, then letters, digits, . _ or -').transform((u) => u.toLowerCase());

export const password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');

export const email = z.email('must be an email address').max(254);

export const device = z.object({
  id: z.uuid('must be a UUID (the device instance id, sent as +sip.instance)'),
  udid: z.string().min(1).max(128).optional().describe('hardware id (RCS UDID), recognises a re-install; stored hashed'),
  platform: z.enum(['android', 'ios', 'web', 'desktop', 'other']).optional(),
  name: z.string().min(1).max(128).optional(),
}).strict();

export const idParam = z.object({ id: z.coerce.number().int().positive('must be a positive integer') });
export const accountIdParam = z.object({ accountId: z.coerce.number().int().positive('must be a positive integer') });

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

export const publicUserSchema = z.object({
  id: z.number().int(), username: z.string(), displayName: z.string().nullable(), hasAvatar: z.boolean(),
});

export const accountSchema = z.object({
  id: z.number().int(), username: z.string(), domain: z.string(), phone: z.string().nullable(), email: z.string().nullable(),
  displayName: z.string().nullable(), country: z.string().nullable(), timeZone: z.string().nullable(), language: z.string().nullable(),
  status: z.enum(['active', 'disabled', 'pending']), hasWebPassword: z.boolean(), avatarUpdatedAt: z.string().nullable(),
  createdAt: z.string(),
});

export const sipSchema = z.object({
  username: z.string(), authUsername: z.string(), domain: z.string(), realm: z.string(), password: z.string(),
  aor: z.string(), registrar: z.string(), wsUri: z.string(),
});

export const grantSchema = z.object({
  accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int(), refreshToken: z.string(),
  refreshExpiresIn: z.number().int(), device: z.object({ id: z.number().int(), instanceId: z.string() }),
  sip: sipSchema.optional(), account: accountSchema.optional(),
});
