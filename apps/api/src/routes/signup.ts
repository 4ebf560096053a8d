// Sign-up: by phone number with an SMS code, by username with an emailed activation link.
import { z } from 'zod/v4';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { accountJson } from './views';
import { country, device, email, grantSchema, password, phone, username } from './schemas';

const phoneStart = z.object({ phone, country: country.optional(), device }).strict();

function wantsHtml(accept: string | undefined): boolean {
  return /text\/html/.test(accept ?? '') && !/application\/json/.test(accept ?? '');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function signupRoutes(s: Services): AnyRoute[] {
  return [
    route({
      method: 'post', path: '/v1/signup/phone', tag: 'sign-up', auth: 'none',
      summary: 'Send a verification code by SMS to a phone number (RCS limits: codes per number and device, resend delay, wrong attempts)',
      body: phoneStart,
      responses: {
        202: { description: 'code sent', schema: z.object({ status: z.literal('code_sent'), phone: z.string(), codeLength: z.number(), expiresIn: z.number(),
          resendAfter: z.number(), codesLeft: z.number(), attemptsLeft: z.number(), recognised: z.boolean() }) },
        200: { description: 'a recognised re-install signed in at once (reinstall: signin)', schema: grantSchema },
        403: { description: 'too many wrong codes from this device' },
        429: { description: 'too many SMS, resend too soon, or rate limited (Retry-After)' },
        502: { description: 'the SMS provider failed' },
      },
      handler: async (c) => {
        const r = await s.phone.start(c.body, c.ip);
        if (r.status === 'signed_in') return { status: 200, body: { ...r, account: accountJson(r.account) } };
        return { status: 202, body: r };
      },
    }),
    route({
      method: 'post', path: '/v1/signup/phone/verify', tag: 'sign-up', auth: 'none',
      summary: 'Check the SMS code: creates the account (or signs in to the number\'s account) and returns tokens and SIP credentials',
      body: phoneStart.extend({ code: z.string().regex(/^\d{4,6}$/, 'must be the 4..6 digit code') }),
      responses: {
        201: { description: 'account created and signed in', schema: grantSchema },
        200: { description: 'the number\'s existing account signed in on this device', schema: grantSchema },
        400: { description: 'wrong code (attempts left in the message)' },
        403: { description: 'too many wrong codes from this device' },
        409: { description: 'no code outstanding' },
        410: { description: 'code expired' },
      },
      handler: async (c) => {
        const r = await s.phone.verify(c.body, c.ip);
        return { status: r.created ? 201 : 200, body: { ...r, account: accountJson(r.account) } };
      },
    }),
    route({
      method: 'get', path: '/v1/signup/username/{username}', tag: 'sign-up', auth: 'none',
      summary: 'Is a username available?',
      params: z.object({ username }),
      responses: { 200: { description: 'availability', schema: z.object({ username: z.string(), available: z.boolean() }) } },
      handler: async (c) => ({ body: { username: c.params.username, available: await s.email.available(c.params.username) } }),
    }),
    route({
      method: 'post', path: '/v1/signup/email', tag: 'sign-up', auth: 'none',
      summary: 'Sign up with username, email and password: sends an activation link by email',
      body: z.object({ username, email, password, country: country.optional(), displayName: z.string().min(1).max(128).optional() }).strict(),
      responses: {
        202: { description: 'pending account created, activation email sent', schema: z.object({ status: z.literal('activation_sent'),
          username: z.string(), email: z.string(), expiresIn: z.number() }) },
        409: { description: 'username taken' },
        502: { description: 'the email could not be sent' },
      },
      handler: async (c) => ({ status: 202, body: await s.email.start(c.body, c.ip) }),
    }),
    route({
      method: 'get', path: '/v1/signup/email/activate', tag: 'sign-up', auth: 'none',
      summary: 'The activation link: activates the account (single use, expiring)',
      query: z.object({ token: z.string().min(1, 'is required').max(2048) }),
      responses: {
        200: { description: 'activated (HTML when the browser asks for it)', schema: z.object({ status: z.literal('activated'), username: z.string() }) },
        400: { description: 'not an activation link' },
        410: { description: 'link expired or already used' },
      },
      handler: async (c) => {
        const r = await s.email.activate(c.query.token);
        if (wantsHtml(c.req.headers.accept)) {
          const html = `<!doctype html><meta charset="utf-8"><title>Account activated</title><p>Your account <b>${escapeHtml(r.username)}</b> is active. You can sign in now.</p>\n`;
          return { raw: { data: Buffer.from(html), contentType: 'text/html; charset=utf-8' } };
        }
        return { body: r };
      },
    }),
  ];
}

