// Chat (issue 10): my conversations with the last message and unread count, history by window,
// read position, mute and favourite per conversation, groups (create, rename, delete, members),
// reporting a message; and the operator's list of every report. The work is @openline/chat's
// (services/chat.ts adapts it); a conversation is named by its JID: the peer's bare JID
// (bob@openline.local) or the group's room JID (g…@conference.openline.local), URL-encoded.
import { HISTORY_WINDOWS } from '@openline/chat';
import { z } from 'zod/v4';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';
import { limitParam } from '../services/cdr-params';
import { ChatService } from '../services/chat';
import { listModerationReports } from '../services/moderation-reports';
import { accountIdParam, idParam } from './schemas';

const jid = z.string().min(3).max(191).regex(/^[^@/\s]+@[^@/\s]+$/, 'must be a bare JID: user@domain, or a group\'s room JID');
const conversationParam = z.object({
  conversation: z.string().min(1).max(191).regex(/^([^@/\s]+@)?[^@/\s]+$/, 'must be a bare JID: user@domain, a group\'s room JID, or system.<domain>')
    .describe('the peer\'s bare JID, the group\'s room JID, or system.<domain> (system messages)'),
});
const messageId = z.string().regex(/^[0-9]{1,20}$/, 'must be a message id (its archive stanza-id, digits)');
const groupName = z.string().trim().min(1, 'is required').max(128, 'must be at most 128 characters')
  .regex(/^[^\p{Cc}]+$/u, 'must not contain control characters');
const reportReason = z.enum(['spam', 'abuse', 'impersonation', 'inappropriate', 'other']);

const messageSchema = z.object({
  id: z.string().describe('archive id (XEP-0359 stanza-id): the read position, report and paging key'),
  text: z.string(), sender: z.string().describe('bare JID of the sender'), at: z.string(),
  direction: z.enum(['in', 'out']), edited: z.boolean(), deleted: z.boolean(), mentions: z.array(z.string()),
});
const conversationSchema = z.object({
  conversation: z.string(), kind: z.enum(['chat', 'group']), name: z.string(),
  peerAccountId: z.number().int().nullable(), groupId: z.number().int().nullable(),
  lastMessage: messageSchema.nullable(), unread: z.number().int(), muted: z.boolean(), favourite: z.boolean(),
});
const groupSchema = z.object({
  id: z.number().int(), jid: z.string(), name: z.string(), createdBy: z.string().nullable(),
  members: z.array(z.object({ jid: z.string(), accountId: z.number().int().nullable() })),
});
const contextSchema = z.array(z.object({ id: z.string(), from: z.string(), body: z.string(), at: z.string() }));
const reportSchema = z.object({
  id: z.string(), source: z.enum(['chat', 'account']), kind: z.enum(['message', 'user']),
  reporter: z.object({ accountId: z.number().int().nullable(), jid: z.string().nullable() }),
  target: z.object({ accountId: z.number().int().nullable(), jid: z.string().nullable() }),
  conversation: z.string().nullable(), messageId: z.string().nullable(), content: z.string().nullable(), context: contextSchema,
  reason: z.string(), details: z.string().nullable(), status: z.enum(['open', 'closed']), createdAt: z.string(),
});

export function chatRoutes(s: Services): AnyRoute[] {
  const d = s.deps;
  const chat = new ChatService(d);
  const toggle = (what: 'mute' | 'favourite', on: boolean): AnyRoute => route({
    method: on ? 'put' : 'delete', path: `/v1/me/conversations/{conversation}/${what}`, tag: 'chat', auth: 'bearer',
    summary: what === 'mute'
      ? (on ? 'Mute notifications for a conversation (a mention of me still notifies)' : 'Unmute a conversation')
      : (on ? 'Pin a conversation as favourite (kept in my XMPP private storage, urn:openline:favourites:0)' : 'Unpin a conversation'),
    params: conversationParam,
    responses: { 204: { description: on ? 'set' : 'cleared' }, 403: { description: 'a group I am not a member of' }, 404: { description: 'no such user or group' } },
    handler: async (c) => {
      await chat.limit(c.auth.accountId);
      if (what === 'mute') await chat.setMuted(c.auth.accountId, c.params.conversation, on);
      else await chat.setFavourite(c.auth.accountId, c.params.conversation, on);
      return { status: 204 };
    },
  });
  return [
    route({
      method: 'get', path: '/v1/me/conversations', tag: 'chat', auth: 'bearer',
      summary: 'My conversations (1:1 and groups): last message, unread count, muted, favourite; favourites first, then most recent',
      query: z.object({
        limit: limitParam(200, 50),
        cursor: z.string().regex(/^[0-9]{1,6}$/, 'must be the nextCursor of the previous page').optional().describe('nextCursor of the previous page'),
      }).strict(),
      responses: { 200: { description: 'a page of conversations', schema: z.object({ conversations: z.array(conversationSchema), nextCursor: z.string().nullable() }) } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        const all = await chat.conversations(c.auth.accountId);
        const from = Number(c.query.cursor ?? 0);
        const limit = c.query.limit ?? 50;
        const page = all.slice(from, from + limit);
        return { body: { conversations: page, nextCursor: from + limit < all.length ? String(from + limit) : null } };
      },
    }),
    route({
      method: 'get', path: '/v1/me/conversations/{conversation}/messages', tag: 'chat', auth: 'bearer',
      summary: 'History of a conversation for a window (30d, 3m, 6m, 12m; calendar months, UTC), oldest first; edits and deletions applied',
      params: conversationParam,
      query: z.object({
        window: z.enum(HISTORY_WINDOWS as readonly ['30d', '3m', '6m', '12m']).optional().describe('30d (default), 3m, 6m or 12m'),
        before: messageId.optional().describe('page backwards: messages older than this id (nextBefore of the previous page)'),
        limit: limitParam(500, 100),
      }).strict(),
      responses: {
        200: { description: 'the newest `limit` messages of the window (older than `before`), oldest first',
          schema: z.object({ window: z.string(), messages: z.array(messageSchema), nextBefore: z.string().nullable() }) },
        403: { description: 'a group I am not a member of' }, 404: { description: 'no such user or group' },
      },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        const window = c.query.window ?? '30d';
        const page = await chat.history(c.auth.accountId, c.params.conversation, window, c.query.before, c.query.limit ?? 100);
        return { body: { window, ...page } };
      },
    }),
    route({
      method: 'post', path: '/v1/me/conversations/{conversation}/read', tag: 'chat', auth: 'bearer',
      summary: 'I have read the conversation up to a message (what the client saw, e.g. when it sends a XEP-0333 displayed marker); unread counts drop',
      params: conversationParam, body: z.object({ upTo: messageId }).strict(),
      responses: { 204: { description: 'read position moved (never backwards)' }, 403: { description: 'a group I am not a member of' }, 404: { description: 'no such user or group' } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        await chat.markRead(c.auth.accountId, c.params.conversation, c.body.upTo);
        return { status: 204 };
      },
    }),
    toggle('mute', true), toggle('mute', false), toggle('favourite', true), toggle('favourite', false),
    route({
      method: 'post', path: '/v1/groups', tag: 'chat', auth: 'bearer',
      summary: 'Create a group chat (a members-only room) with me and the given members; at most the configured member limit (10), me included',
      body: z.object({
        name: groupName,
        members: z.array(z.number().int().positive('must be a positive integer')).max(100, 'too many members').default([]).describe('account ids'),
      }).strict(),
      responses: {
        201: { description: 'created', schema: groupSchema }, 403: { description: 'a member blocks me' },
        404: { description: 'no such user' }, 409: { description: 'over the member limit (group_full)' },
      },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        return { status: 201, body: await chat.createGroup(c.auth.accountId, c.body.name, c.body.members) };
      },
    }),
    route({
      method: 'get', path: '/v1/groups/{id}', tag: 'chat', auth: 'bearer', summary: 'A group with its members (members only)',
      params: idParam,
      responses: { 200: { description: 'the group', schema: groupSchema }, 403: { description: 'not a member' }, 404: { description: 'no such group' } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        return { body: await chat.view(c.auth.accountId, c.params.id) };
      },
    }),
    route({
      method: 'patch', path: '/v1/groups/{id}', tag: 'chat', auth: 'bearer', summary: 'Rename a group (its creator)',
      params: idParam, body: z.object({ name: groupName }).strict(),
      responses: { 200: { description: 'renamed', schema: groupSchema }, 403: { description: 'not the creator' }, 404: { description: 'no such group' } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        return { body: await chat.rename(c.auth.accountId, c.params.id, c.body.name) };
      },
    }),
    route({
      method: 'delete', path: '/v1/groups/{id}', tag: 'chat', auth: 'bearer', summary: 'Delete a group (its creator); the room is destroyed',
      params: idParam,
      responses: { 204: { description: 'deleted' }, 403: { description: 'not the creator' }, 404: { description: 'no such group' } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        await chat.remove(c.auth.accountId, c.params.id);
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/groups/{id}/members', tag: 'chat', auth: 'bearer',
      summary: 'A member adds a contact: they become a member at once (and get a XEP-0249 invitation)',
      params: idParam, body: z.object({ accountId: z.number().int().positive('must be a positive integer') }).strict(),
      responses: {
        200: { description: 'the group with the new member', schema: groupSchema }, 403: { description: 'not a member, or the user blocks me' },
        404: { description: 'no such group or user' }, 409: { description: 'the group is full (group_full)' },
      },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        return { body: await chat.addMember(c.auth.accountId, c.params.id, c.body.accountId) };
      },
    }),
    route({
      method: 'delete', path: '/v1/groups/{id}/members/{accountId}', tag: 'chat', auth: 'bearer',
      summary: 'Remove a member (the creator), or leave (my own account id)',
      params: idParam.extend(accountIdParam.shape),
      responses: { 204: { description: 'removed' }, 403: { description: 'not the creator, or not a member' }, 404: { description: 'no such group, or not a member' } },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        await chat.removeMember(c.auth.accountId, c.params.id, c.params.accountId);
        return { status: 204 };
      },
    }),
    route({
      method: 'post', path: '/v1/reports/messages', tag: 'chat', auth: 'bearer',
      summary: 'Report a message to the moderators: stored with its text and the messages around it as I see them now',
      body: z.object({
        conversation: jid, messageId, reason: reportReason, details: z.string().max(900).optional(),
      }).strict(),
      responses: {
        201: { description: 'recorded', schema: z.object({ id: z.string() }) }, 403: { description: 'a group I am not a member of' },
        404: { description: 'no such message in this conversation' }, 429: { description: 'too many reports this hour' },
      },
      handler: async (c) => {
        await chat.limit(c.auth.accountId);
        const reason = c.body.details ? `${c.body.reason}: ${c.body.details}` : c.body.reason;
        const id = await chat.reportMessage(c.auth.accountId, c.body.conversation, c.body.messageId, reason);
        return { status: 201, body: { id: `chat-${id}` } };
      },
    }),
    route({
      method: 'get', path: '/v1/operator/reports', tag: 'moderation', auth: 'apiKey', scope: 'read',
      summary: 'Every report for moderators, newest first: reported messages (content and context) and reported users, in keyset pages',
      query: z.object({
        kind: z.enum(['message', 'user']).optional().describe('only reported messages, or only reported users'),
        cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
        limit: limitParam(200, 50),
      }).strict(),
      responses: { 200: { description: 'a page of reports', schema: z.object({ items: z.array(reportSchema), nextCursor: z.string().nullable() }) } },
      handler: async (c) => ({ body: await listModerationReports(d.pool, { kind: c.query.kind, cursor: c.query.cursor, limit: c.query.limit ?? 50 }) }),
    }),
  ];
}
