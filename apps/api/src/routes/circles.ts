// Circles, invitations (users and non-users), favourites, blocks and reports.
import { z } from 'zod/v4';
import { badRequest, notFound, unauthorized } from '../errors';
import { route, type AnyRoute } from '../http/route';
import { publicUser } from '../repos/accounts';
import type { Services } from '../services';
import type { InviteTarget } from '../services/circles';
import { accountIdParam, country, email, idParam, phone, publicUserSchema, username } from './schemas';

const kind = z.enum(['family', 'friends', 'care', 'other']);
const circleName = z.string().trim().min(1, 'is required').max(64);

function circleJson(c: { id: number; ownerId: number; name: string; kind: string; createdAt: Date }): Record<string, unknown> {
  return { id: c.id, ownerId: c.ownerId, name: c.name, kind: c.kind, createdAt: c.createdAt.toISOString() };
}

export function circleRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  const me = async (id: number) => {
    const a = await d.repos.accounts.byId(id);
    if (!a) throw unauthorized('the account no longer exists');
    return a;
  };
  const existingUser = async (id: number, self: number) => {
    if (id === self) throw badRequest('accountId', 'accountId: that is you');
    const a = await d.repos.accounts.byId(id);
    if (!a || a.status !== 'active') throw notFound('no such user');
    return a;
  };
  return [
    route({
      method: 'get', path: '/v1/circles', tag: 'circles', auth: 'bearer', summary: 'Circles I own or belong to',
      responses: { 200: { description: 'circles' } },
      handler: async (c) => ({
        body: { circles: (await d.repos.circles.listFor(c.auth.accountId)).map((x) => ({ ...circleJson(x), role: x.role, members: x.members })) },
      }),
    }),
    route({
      method: 'post', path: '/v1/circles', tag: 'circles', auth: 'bearer', summary: 'Create a circle (family, friends, care, other)',
      body: z.object({ name: circleName, kind: kind.default('other') }).strict(),
      responses: { 201: { description: 'created' }, 409: { description: 'a circle of mine has that name' } },
      handler: async (c) => ({ status: 201, body: circleJson(await s.circles.create(c.auth.accountId, c.body.name, c.body.kind)) }),
    }),
    route({
      method: 'get', path: '/v1/circles/{id}', tag: 'circles', auth: 'bearer', summary: 'A circle with its members, my favourites first',
      params: idParam,
      responses: { 200: { description: 'circle' }, 403: { description: 'not owner or member' }, 404: { description: 'no such circle' } },
      handler: async (c) => {
        const v = await s.circles.view(c.params.id, c.auth.accountId);
        return {
          body: {
            ...circleJson(v.circle),
            members: v.members.map((m) => ({ ...m, invitedAt: m.invitedAt.toISOString(), respondedAt: m.respondedAt?.toISOString() ?? null })),
          },
        };
      },
    }),
    route({
      method: 'patch', path: '/v1/circles/{id}', tag: 'circles', auth: 'bearer', summary: 'Rename a circle or change its kind (owner)',
      params: idParam, body: z.object({ name: circleName.optional(), kind: kind.optional() }).strict(),
      responses: { 200: { description: 'changed' }, 403: { description: 'not the owner' } },
      handler: async (c) => {
        await s.circles.owned(c.params.id, c.auth.accountId);
        await d.repos.circles.update(c.params.id, c.body);
        return { body: circleJson((await d.repos.circles.get(c.params.id))!) };
      },
    }),
    route({
      method: 'delete', path: '/v1/circles/{id}', tag: 'circles', auth: 'bearer', summary: 'Delete a circle (owner)',
      params: idParam, responses: { 204: { description: 'deleted' }, 403: { description: 'not the owner' } },
      handler: async (c) => {
        await s.circles.owned(c.params.id, c.auth.accountId);
        await d.repos.circles.remove(c.params.id);
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/circles/{id}/members', tag: 'circles', auth: 'bearer',
      summary: 'Invite someone: a user (by id, username, phone or email) gets an invitation; a non-user gets an SMS or email link',
      params: idParam,
      body: z.union([
        z.object({ accountId: z.number().int().positive() }).strict(),
        z.object({ username }).strict(),
        z.object({ phone, country: country.optional() }).strict(),
        z.object({ email }).strict(),
      ], { error: 'give one of accountId, username, phone (+country) or email' }),
      responses: {
        201: { description: 'user invited (or already a member)' },
        202: { description: 'invitation link sent to a non-user' },
        403: { description: 'not the owner, or the user blocks me' },
      },
      handler: async (c) => {
        const r = await s.circles.invite(c.params.id, await me(c.auth.accountId), c.body as InviteTarget);
        return { status: r.status === 'invitation_sent' ? 202 : 201, body: r };
      },
    }),
    route({
      method: 'delete', path: '/v1/circles/{id}/members/{accountId}', tag: 'circles', auth: 'bearer',
      summary: 'Remove a member (owner) or leave (member)',
      params: idParam.extend(accountIdParam.shape),
      responses: { 204: { description: 'removed' } },
      handler: async (c) => {
        await s.circles.removeMember(c.params.id, c.auth.accountId, c.params.accountId);
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/circles/{id}/accept', tag: 'circles', auth: 'bearer', summary: 'Accept an invitation to a circle',
      params: idParam, responses: { 204: { description: 'accepted' }, 404: { description: 'no invitation waiting' } },
      handler: async (c) => {
        await s.circles.respond(c.params.id, c.auth.accountId, 'accepted');
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/circles/{id}/decline', tag: 'circles', auth: 'bearer', summary: 'Decline an invitation to a circle',
      params: idParam, responses: { 204: { description: 'declined' }, 404: { description: 'no invitation waiting' } },
      handler: async (c) => {
        await s.circles.respond(c.params.id, c.auth.accountId, 'declined');
        return { status: 204 };
      },
    }),
    route({
      method: 'get', path: '/v1/me/invitations', tag: 'circles', auth: 'bearer', summary: 'Circle invitations waiting for my answer',
      responses: { 200: { description: 'invitations' } },
      handler: async (c) => {
        const rows = await d.repos.circles.pendingFor(c.auth.accountId);
        const out = [];
        for (const r of rows) {
          const from = await d.repos.accounts.byId(r.invitedBy);
          out.push({ circle: circleJson(r.circle), from: from ? publicUser(from) : null, invitedAt: r.invitedAt.toISOString() });
        }
        return { body: { invitations: out } };
      },
    }),
    route({
      method: 'get', path: '/v1/invites/{token}', tag: 'circles', auth: 'none', summary: 'What an invitation link is for (circle and inviter)',
      params: z.object({ token: z.string().min(1).max(2048) }),
      responses: { 200: { description: 'invitation' }, 410: { description: 'expired or used' } },
      handler: async (c) => ({ body: await s.circles.describeInvite(c.params.token) }),
    }),
    route({
      method: 'post', path: '/v1/invites/{token}/accept', tag: 'circles', auth: 'bearer', summary: 'Join the circle of an invitation link (after signing up)',
      params: z.object({ token: z.string().min(1).max(2048) }),
      responses: { 200: { description: 'joined' }, 410: { description: 'expired or used' } },
      handler: async (c) => ({ body: circleJson(await s.circles.acceptInvite(c.params.token, c.auth.accountId)) }),
    }),
    route({
      method: 'get', path: '/v1/me/favourites', tag: 'favourites', auth: 'bearer', summary: 'My favourites, in my order (pinned on top of lists)',
      responses: { 200: { description: 'favourites', schema: z.object({ favourites: z.array(publicUserSchema.extend({ position: z.number().int() })) }) } },
      handler: async (c) => ({ body: { favourites: await d.repos.social.favourites(c.auth.accountId) } }),
    }),
    route({
      method: 'put', path: '/v1/me/favourites/{accountId}', tag: 'favourites', auth: 'bearer', summary: 'Pin a user as favourite (position: my order; default last)',
      params: accountIdParam, body: z.object({ position: z.number().int().min(0).max(100000).optional() }).strict(),
      responses: { 200: { description: 'pinned', schema: z.object({ position: z.number().int() }) } },
      handler: async (c) => {
        await existingUser(c.params.accountId, c.auth.accountId);
        return { body: { position: await d.repos.social.setFavourite(c.auth.accountId, c.params.accountId, c.body.position) } };
      },
    }),
    route({
      method: 'delete', path: '/v1/me/favourites/{accountId}', tag: 'favourites', auth: 'bearer', summary: 'Unpin a favourite',
      params: accountIdParam, responses: { 204: { description: 'unpinned' }, 404: { description: 'not a favourite' } },
      handler: async (c) => {
        if (!(await d.repos.social.removeFavourite(c.auth.accountId, c.params.accountId))) throw notFound('not a favourite');
        return { status: 204 };
      },
    }),
    route({
      method: 'get', path: '/v1/me/blocks', tag: 'blocks', auth: 'bearer', summary: 'Users I block',
      responses: { 200: { description: 'blocked users' } },
      handler: async (c) => ({ body: { blocked: (await d.repos.social.blocked(c.auth.accountId)).map((b) => ({ ...b, since: b.since.toISOString() })) } }),
    }),
    route({
      method: 'put', path: '/v1/me/blocks/{accountId}', tag: 'blocks', auth: 'bearer', summary: 'Block a user (calls and messages from them are refused)',
      params: accountIdParam, responses: { 204: { description: 'blocked' } },
      handler: async (c) => {
        await existingUser(c.params.accountId, c.auth.accountId);
        await d.repos.social.block(c.auth.accountId, c.params.accountId);
        return { status: 204 };
      },
    }),
    route({
      method: 'delete', path: '/v1/me/blocks/{accountId}', tag: 'blocks', auth: 'bearer', summary: 'Unblock a user',
      params: accountIdParam, responses: { 204: { description: 'unblocked' }, 404: { description: 'not blocked' } },
      handler: async (c) => {
        if (!(await d.repos.social.unblock(c.auth.accountId, c.params.accountId))) throw notFound('not blocked');
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/reports', tag: 'blocks', auth: 'bearer', summary: 'Report a user to the operator',
      body: z.object({
        accountId: z.number().int().positive(),
        reason: z.enum(['spam', 'abuse', 'impersonation', 'inappropriate', 'other']),
        details: z.string().max(2000).optional(),
      }).strict(),
      responses: { 201: { description: 'recorded', schema: z.object({ id: z.number().int() }) } },
      handler: async (c) => {
        await existingUser(c.body.accountId, c.auth.accountId);
        return { status: 201, body: { id: await d.repos.social.report(c.auth.accountId, c.body.accountId, c.body.reason, c.body.details ?? null) } };
      },
    }),
  ];
}
