// Address-book upload and discovery.
import { z } from 'zod/v4';
import { badRequest, unauthorized } from '../errors';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { country, publicUserSchema } from './schemas';

export function contactRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  const max = d.settings.api.contactsBatchMax;
  return [
    route({
      method: 'post', path: '/v1/me/contacts', tag: 'contacts', auth: 'bearer',
      summary: 'Upload a batch of address-book entries (idempotent; numbers normalised to E.164 by the RCS rules); answers which are users',
      body: z.object({
        country: country.optional().describe('country for national/local numbers (default: my profile\'s, else my number\'s)'),
        contacts: z.array(z.object({
          id: z.string().min(1, 'is required').max(64).describe('the entry\'s id in the device address book'),
          numbers: z.array(z.string().min(1).max(40)).min(1, 'must list at least one number').max(20),
        }).strict()).min(1, 'must hold at least one contact').max(max, `must hold at most ${max} contacts per batch`),
      }).strict(),
      responses: {
        200: { description: 'stored; matches name the users', schema: z.object({
          stored: z.number().int(),
          matches: z.array(z.object({ id: z.string(), number: z.string(), phone: z.string(), user: publicUserSchema })),
          invalid: z.array(z.object({ id: z.string(), number: z.string() })),
        }) },
      },
      handler: async (c) => {
        const ids = c.body.contacts.map((x) => x.id);
        if (new Set(ids).size !== ids.length) throw badRequest('contacts', 'contacts: an id appears twice in the batch');
        const account = await d.repos.accounts.byId(c.auth.accountId);
        if (!account) throw unauthorized();
        return { body: await s.contacts.upload(account, c.body.contacts, s.contacts.countryFor(account, c.body.country)) };
      },
    }),
    route({
      method: 'get', path: '/v1/me/contacts', tag: 'contacts', auth: 'bearer', summary: 'How many address-book numbers are stored for me',
      responses: { 200: { description: 'count', schema: z.object({ stored: z.number().int() }) } },
      handler: async (c) => ({ body: { stored: await d.repos.contacts.count(c.auth.accountId) } }),
    }),
    route({
      method: 'delete', path: '/v1/me/contacts', tag: 'contacts', auth: 'bearer', summary: 'Forget my uploaded address book',
      responses: { 200: { description: 'removed', schema: z.object({ removed: z.number().int() }) } },
      handler: async (c) => ({ body: { removed: await d.repos.contacts.clear(c.auth.accountId) } }),
    }),
    route({
      method: 'delete', path: '/v1/me/contacts/{contactId}', tag: 'contacts', auth: 'bearer', summary: 'Forget one address-book entry',
      params: z.object({ contactId: z.string().min(1).max(64) }),
      responses: { 204: { description: 'removed' } },
      handler: async (c) => {
        await d.repos.contacts.removeContacts(c.auth.accountId, [c.params.contactId]);
        return { status: 204 };
      },
    }),
  ];
}
