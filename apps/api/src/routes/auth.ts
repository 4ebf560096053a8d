// Sign-in (username or phone + web password), token refresh and sign-out, passwords.
import { z } from 'zod/v4';
import { unauthorized } from '../errors';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { accountJson } from './views';
import { country, device, grantSchema, password } from './schemas';

export function authRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: 'post', path: '/v1/auth/signin', tag: 'auth', auth: 'none',
      summary: 'Sign in with username or phone number and web password; SIP clients also get their SIP credentials',
      body: z.object({
        login: z.string().min(1, 'is required').max(64).describe('username, or phone number (international, or national with country)'),
        password: z.string().min(1, 'is required').max(128),
        country: country.optional(),
        device,
        sip: z.boolean().default(true).describe('return the SIP identity and password (SIP clients)'),
      }).strict(),
      responses: {
        200: { description: 'signed in', schema: grantSchema },
        401: { description: 'wrong login or password' },
        403: { description: 'account not activated or disabled' },
        429: { description: 'too many failed sign-ins (Retry-After)' },
      },
      handler: async (c) => {
        const account = await s.passwords.authenticate(c.body.login, c.body.password, c.body.country, c.ip);
        const grant = await s.sessions.signIn(account, c.body.device, c.body.sip);
        return { body: { ...grant, account: accountJson(account) } };
      },
    }),
    route({
      method: 'post', path: '/v1/auth/refresh', tag: 'auth', auth: 'none',
      summary: 'Exchange a refresh token for a new access and refresh token (rotation; reuse ends the session)',
      body: z.object({ refreshToken: z.string().min(1, 'is required').max(256) }).strict(),
      responses: { 200: { description: 'new tokens', schema: grantSchema }, 401: { description: 'refresh token unknown, used, revoked or expired' } },
      handler: async (c) => ({ body: await s.sessions.refresh(c.body.refreshToken) }),
    }),
    route({
      method: 'post', path: '/v1/auth/signout', tag: 'auth', auth: 'bearer',
      summary: 'Sign this device out: its refresh tokens are revoked and the SIP password it holds is rotated',
      responses: { 200: { description: 'signed out', schema: z.object({ signedOut: z.literal(true), sipRevoked: z.boolean() }) } },
      handler: async (c) => ({ body: { signedOut: true, ...(await s.sessions.signOut(c.auth)) } }),
    }),
    route({
      method: 'put', path: '/v1/me/password', tag: 'auth', auth: 'bearer',
      summary: 'Set or change the web password (the current one is required when set); other sessions end',
      body: z.object({ currentPassword: z.string().max(128).optional(), password }).strict(),
      responses: { 204: { description: 'changed' }, 403: { description: 'current password wrong' } },
      handler: async (c) => {
        await s.passwords.change(c.auth, c.body.currentPassword, c.body.password);
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/password/reset', tag: 'auth', auth: 'none',
      summary: 'Email a password-reset link to the account of a username or phone number (always 202)',
      body: z.object({ login: z.string().min(1, 'is required').max(64), country: country.optional() }).strict(),
      responses: { 202: { description: 'a link was sent if the account has an email address' } },
      handler: async (c) => {
        await s.passwords.requestReset(c.body.login, c.body.country, c.ip);
        return { status: 202, body: { status: 'reset_requested' } };
      },
    }),
    route({
      method: 'post', path: '/v1/password/reset/confirm', tag: 'auth', auth: 'none',
      summary: 'Set a new web password with the token of a reset link (single use, expiring); every session ends',
      body: z.object({ token: z.string().min(1, 'is required').max(2048), password }).strict(),
      responses: { 200: { description: 'password set', schema: z.object({ username: z.string() }) }, 410: { description: 'link expired or used' } },
      handler: async (c) => ({ body: await s.passwords.confirmReset(c.body.token, c.body.password) }),
    }),
    route({
      method: 'get', path: '/v1/me/sip', tag: 'auth', auth: 'bearer',
      summary: 'The SIP identity and current SIP password for this device',
      responses: { 200: { description: 'SIP credentials' } },
      handler: async (c) => {
        const account = await s.deps.repos.accounts.byId(c.auth.accountId);
        if (!account) throw unauthorized();
        return { body: await s.sessions.sipCredentials(account, c.auth.deviceId) };
      },
    }),
  ];
}
