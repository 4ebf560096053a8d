// The signed-in account: profile, avatar, devices and push tokens, notifications, TURN credentials,
// and other users' public profiles.
import { z } from 'zod/v4';
import { notFound, unauthorized } from '../errors';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { AVATAR_TYPES, typeOfFile } from '../services/avatars';
import { turnCredentials } from '../services/turn';
import { publicUser } from '../repos/accounts';
import { accountJson, deviceJson } from './views';
import { accountSchema, country, idParam, phone, publicUserSchema } from './schemas';

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function validLanguage(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

export function meRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  const me = async (id: number) => {
    const a = await d.repos.accounts.byId(id);
    if (!a) throw unauthorized('the account no longer exists');
    return a;
  };
  return [
    route({
      method: 'get', path: '/v1/me', tag: 'profile', auth: 'bearer', summary: 'My profile',
      responses: { 200: { description: 'profile', schema: accountSchema } },
      handler: async (c) => ({ body: accountJson(await me(c.auth.accountId)) }),
    }),
    route({
      method: 'patch', path: '/v1/me', tag: 'profile', auth: 'bearer', summary: 'Change name, country, time zone or language (null clears)',
      body: z.object({
        displayName: z.string().min(1).max(128).nullable().optional(),
        country: country.nullable().optional(),
        timeZone: z.string().max(64).refine(validTimeZone, 'must be an IANA time zone, e.g. Europe/Warsaw').nullable().optional(),
        language: z.string().max(35).refine(validLanguage, 'must be a BCP 47 language tag, e.g. pl or en-GB').nullable().optional(),
      }).strict(),
      responses: { 200: { description: 'the changed profile', schema: accountSchema } },
      handler: async (c) => {
        await d.repos.accounts.updateProfile(c.auth.accountId, c.body);
        return { body: accountJson(await me(c.auth.accountId)) };
      },
    }),
    route({
      method: 'post', path: '/v1/me/phone', tag: 'profile', auth: 'bearer',
      summary: 'Add or change my phone number: sends a code by SMS (sign-up limits apply)',
      body: z.object({ phone, country: country.optional() }).strict(),
      responses: { 202: { description: 'code sent' }, 409: { description: 'the number belongs to another account' }, 429: { description: 'limits' } },
      handler: async (c) => ({ status: 202, body: await s.addPhone.start(c.auth, c.body.phone, c.body.country, c.ip) }),
    }),
    route({
      method: 'post', path: '/v1/me/phone/verify', tag: 'profile', auth: 'bearer',
      summary: 'Confirm my new phone number with the SMS code; people who have it are told I joined',
      body: z.object({ phone, country: country.optional(), code: z.string().regex(/^\d{4,6}$/, 'must be the 4..6 digit code') }).strict(),
      responses: { 200: { description: 'number set', schema: accountSchema }, 400: { description: 'wrong code' }, 403: { description: 'too many wrong codes' } },
      handler: async (c) => ({ body: accountJson(await s.addPhone.verify(c.auth, c.body.phone, c.body.country, c.body.code, c.ip)) }),
    }),
    route({
      method: 'put', path: '/v1/me/avatar', tag: 'profile', auth: 'bearer',
      summary: 'Upload my avatar: the image itself as the body (PNG, JPEG or WebP, size limit api.avatarMaxBytes)',
      rawBody: { types: AVATAR_TYPES, maxBytes: d.settings.api.avatarMaxBytes },
      responses: { 200: { description: 'stored', schema: accountSchema }, 400: { description: 'not an accepted image' }, 413: { description: 'too large' } },
      handler: async (c) => {
        const a = await me(c.auth.accountId);
        const file = await s.avatars.save(a.id, c.req.body as Buffer, c.req.headers['content-type'] ?? '');
        await d.repos.accounts.setAvatar(a.id, file, new Date(d.clock.now()));
        await s.avatars.remove(a.avatarFile);
        return { body: accountJson(await me(a.id)) };
      },
    }),
    route({
      method: 'delete', path: '/v1/me/avatar', tag: 'profile', auth: 'bearer', summary: 'Remove my avatar',
      responses: { 204: { description: 'removed' } },
      handler: async (c) => {
        const a = await me(c.auth.accountId);
        await d.repos.accounts.setAvatar(a.id, null, new Date(d.clock.now()));
        await s.avatars.remove(a.avatarFile);
        return { status: 204 };
      },
    }),
    route({
      method: 'get', path: '/v1/users/{id}', tag: 'profile', auth: 'bearer', summary: 'A user\'s public profile (people in my circles, favourites and address book)',
      params: idParam,
      responses: { 200: { description: 'public profile', schema: publicUserSchema }, 404: { description: 'no such user' } },
      handler: async (c) => {
        const a = await d.repos.accounts.byId(c.params.id);
        if (!a || a.status !== 'active' || !(await s.contacts.canSee(c.auth.accountId, a))) throw notFound('no such user');
        return { body: publicUser(a) };
      },
    }),
    route({
      method: 'get', path: '/v1/users/{id}/avatar', tag: 'profile', auth: 'bearer', summary: 'A user\'s avatar image',
      params: idParam, produces: 'image/*',
      responses: { 200: { description: 'the image' }, 404: { description: 'no avatar' } },
      handler: async (c) => {
        const a = await d.repos.accounts.byId(c.params.id);
        if (!a || a.status !== 'active' || !a.avatarFile || !(await s.contacts.canSee(c.auth.accountId, a))) throw notFound('no avatar');
        const data = await s.avatars.read(a.avatarFile);
        return { raw: { data, contentType: typeOfFile(a.avatarFile) }, headers: { 'last-modified': (a.avatarUpdatedAt ?? a.createdAt).toUTCString() } };
      },
    }),
    route({
      method: 'get', path: '/v1/me/devices', tag: 'devices', auth: 'bearer', summary: 'My devices',
      responses: { 200: { description: 'devices' } },
      handler: async (c) => ({ body: { devices: (await d.repos.devices.list(c.auth.accountId)).map((x) => deviceJson(x, c.auth.deviceId)) } }),
    }),
    route({
      method: 'delete', path: '/v1/me/devices/{id}', tag: 'devices', auth: 'bearer',
      summary: 'Remove a device: its sessions end and the SIP password it holds is rotated',
      params: idParam,
      responses: { 204: { description: 'removed' }, 404: { description: 'not my device' } },
      handler: async (c) => {
        if (!(await s.sessions.removeDevice(c.auth.accountId, c.params.id))) throw notFound('no such device');
        return { status: 204 };
      },
    }),
    route({
      method: 'put', path: '/v1/me/devices/{id}/push', tag: 'devices', auth: 'bearer',
      summary: 'Register a push token for a device (RFC 8599 pn-provider, pn-prid, pn-param: the registrar\'s model)',
      params: idParam,
      body: z.object({
        provider: z.string().regex(/^[a-z0-9.-]{1,16}$/, 'must be a pn-provider name, e.g. apns or fcm')
          .refine((p) => d.settings.pushProviders.includes(p), 'is not an accepted push provider'),
        prid: z.string().min(1, 'is required').max(1024),
        param: z.string().min(1).max(255).optional(),
      }).strict(),
      responses: { 204: { description: 'stored' }, 404: { description: 'not my device' } },
      handler: async (c) => {
        if (!(await d.repos.devices.setPush(c.auth.accountId, c.params.id, { provider: c.body.provider, prid: c.body.prid, param: c.body.param ?? null }))) {
          throw notFound('no such device');
        }
        return { status: 204 };
      },
    }),
    route({
      method: 'delete', path: '/v1/me/devices/{id}/push', tag: 'devices', auth: 'bearer', summary: 'Remove a device\'s push token',
      params: idParam,
      responses: { 204: { description: 'removed' }, 404: { description: 'not my device' } },
      handler: async (c) => {
        if (!(await d.repos.devices.setPush(c.auth.accountId, c.params.id, null))) throw notFound('no such device');
        return { status: 204 };
      },
    }),
    route({
      method: 'get', path: '/v1/me/notifications', tag: 'notifications', auth: 'bearer', summary: 'My notifications (contact joined, circle invitations), oldest first',
      query: z.object({
        unread: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
        after: z.coerce.number().int().min(0).default(0),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      responses: { 200: { description: 'notifications' } },
      handler: async (c) => {
        const rows = await d.repos.notifications.list(c.auth.accountId, { unreadOnly: c.query.unread, afterId: c.query.after, limit: c.query.limit });
        return { body: { notifications: rows.map((n) => ({ ...n, createdAt: n.createdAt.toISOString(), readAt: n.readAt?.toISOString() ?? null })) } };
      },
    }),
    route({
      method: 'post', path: '/v1/me/notifications/read', tag: 'notifications', auth: 'bearer', summary: 'Mark notifications read (all when no ids)',
      body: z.object({ ids: z.array(z.number().int().positive()).max(1000).optional() }).strict(),
      responses: { 200: { description: 'count marked', schema: z.object({ marked: z.number().int() }) } },
      handler: async (c) => ({ body: { marked: await d.repos.notifications.markRead(c.auth.accountId, c.body.ids, new Date(d.clock.now())) } }),
    }),
    route({
      method: 'get', path: '/v1/turn/credentials', tag: 'turn', auth: 'bearer',
      summary: 'TURN REST credentials: username "<expiry>:<account>", password base64(HMAC-SHA1(secret, username)), coturn URIs',
      responses: { 200: { description: 'credentials', schema: z.object({ username: z.string(), password: z.string(), ttl: z.number(), uris: z.array(z.string()) }) } },
      handler: async (c) => {
        const t = d.settings.turn;
        return { body: turnCredentials({ secret: t.secret, host: t.host, port: t.port, ttlSeconds: t.ttlSeconds }, String(c.auth.accountId), d.clock.now()) };
      },
    }),
  ];
}
