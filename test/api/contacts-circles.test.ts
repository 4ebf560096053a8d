// Acceptance (issue 11): address-book upload with numbers in the RCS seed's formats (+44…, 0044…,
// 011…, national 0…, local) matched to users; "contact joined" when a matching user signs up;
// circles (eldercare seed): invite, accept, decline, list, favourites on top, non-user invitations
// by email and SMS links; blocks (stored, isBlocked for the B2BUA) and reports.
import assert from 'node:assert/strict';
import { isBlocked, isBlockedBySip } from '@openline/api';
import { linkIn, newDevice, phoneUser, plMobile, suiteTestApi, uniqueName, ukMobile } from './support/api';

interface Match { id: string; number: string; phone: string; user: { id: number; username: string } }

describe('contacts discovery, circles, favourites and blocks', function () {
  this.timeout(60_000);
  const t = suiteTestApi();

  async function emailUser(country: string): Promise<{ token: string; accountId: number; username: string; email: string }> {
    const username = uniqueName('usr');
    const email = `${username}@example.com`;
    await t.call('POST', '/v1/signup/email', { body: { username, email, password: 'web password 1', country } });
    const link = new URL(linkIn((await t.smtp.next(email)).text));
    await t.call('GET', `${link.pathname}${link.search}`);
    const s = await t.call('POST', '/v1/auth/signin', { body: { login: username, password: 'web password 1', device: newDevice(), sip: false } });
    assert.equal(s.status, 200, s.text);
    return { token: s.body.accessToken as string, accountId: (s.body.account as { id: number }).id, username, email };
  }

  describe('address-book upload', () => {
    it('normalises the seed\'s formats for a UK uploader (+44, 0044, national 0, local) and says which are users', async () => {
      const uk = ukMobile();
      const pl = plMobile();
      const ukUser = await phoneUser(t, uk.e164);
      const plUser = await phoneUser(t, pl.e164);
      const me = await emailUser('GB');
      const local = uk.national.slice(1);
      const r = await t.call('POST', '/v1/me/contacts', {
        token: me.token,
        body: {
          contacts: [
            { id: 'c1', numbers: [uk.e164] },
            { id: 'c2', numbers: [`00${uk.digits}`] },
            { id: 'c3', numbers: [`${uk.national.slice(0, 5)} ${uk.national.slice(5)}`] },
            { id: 'c4', numbers: [local] },
            { id: 'c5', numbers: [`0048${pl.local}`, '+15555550100'] },
            { id: 'c6', numbers: ['not a number'] },
          ],
        },
      });
      assert.equal(r.status, 200, r.text);
      const matches = r.body.matches as Match[];
      assert.deepEqual(matches.filter((m) => m.user.id === ukUser.accountId).map((m) => m.id).sort(), ['c1', 'c2', 'c3', 'c4']);
      assert.ok(matches.every((m) => m.user.id !== ukUser.accountId || m.phone === uk.e164));
      assert.deepEqual(matches.filter((m) => m.user.id === plUser.accountId).map((m) => [m.id, m.phone]), [['c5', pl.e164]]);
      assert.deepEqual(r.body.invalid, [{ id: 'c6', number: 'not a number' }]);
      assert.equal(r.body.stored, 6);
    });

    it('strips 011 for a US uploader, and reads a Polish uploader\'s local number with +48', async () => {
      const uk = ukMobile();
      const pl = plMobile();
      const ukUser = await phoneUser(t, uk.e164);
      const plUser = await phoneUser(t, pl.e164);
      const us = await emailUser('US');
      const r = await t.call('POST', '/v1/me/contacts', { token: us.token, body: { contacts: [{ id: 'x', numbers: [`011 ${uk.digits}`] }] } });
      assert.deepEqual((r.body.matches as Match[]).map((m) => m.user.id), [ukUser.accountId]);
      const plMe = await emailUser('PL');
      const r2 = await t.call('POST', '/v1/me/contacts', { token: plMe.token, body: { contacts: [{ id: 'y', numbers: [pl.local] }, { id: 'z', numbers: [pl.national] }] } });
      assert.deepEqual((r2.body.matches as Match[]).map((m) => [m.id, m.user.id]), [['y', plUser.accountId], ['z', plUser.accountId]]);
    });

    it('is idempotent: the same batch twice stores the same entries, and an edited contact replaces its numbers', async () => {
      const me = await emailUser('GB');
      const batch = { contacts: [{ id: 'a', numbers: [ukMobile().e164, ukMobile().e164] }, { id: 'b', numbers: [ukMobile().e164] }] };
      await t.call('POST', '/v1/me/contacts', { token: me.token, body: batch });
      await t.call('POST', '/v1/me/contacts', { token: me.token, body: batch });
      assert.deepEqual((await t.call('GET', '/v1/me/contacts', { token: me.token })).body, { stored: 3 });
      await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: [{ id: 'a', numbers: [ukMobile().e164] }] } });
      assert.deepEqual((await t.call('GET', '/v1/me/contacts', { token: me.token })).body, { stored: 2 });
      assert.deepEqual((await t.call('DELETE', '/v1/me/contacts', { token: me.token })).body, { removed: 2 });
    });

    it('keeps only keyed hashes of the numbers, never the numbers', async () => {
      const me = await emailUser('GB');
      const n = ukMobile();
      await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: [{ id: 'secret', numbers: [n.e164] }] } });
      const rows = await t.stack.dbPool().query<Array<Record<string, unknown>>>('SELECT * FROM contact_entries WHERE owner_id = ?', [me.accountId]);
      assert.equal(rows.length, 1);
      assert.match(String(rows[0].phone_hash), /^[0-9a-f]{64}$/);
      assert.ok(!JSON.stringify(rows).includes(n.digits));
    });

    it('validates the batch: 400 naming the field, duplicate ids, batch size', async () => {
      const me = await emailUser('GB');
      const empty = await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: [] } });
      assert.equal(empty.body.error?.field, 'contacts');
      const noNumbers = await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: [{ id: 'a', numbers: [] }] } });
      assert.equal(noNumbers.body.error?.field, 'contacts.0.numbers');
      const dup = await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: [{ id: 'a', numbers: ['1'] }, { id: 'a', numbers: ['2'] }] } });
      assert.equal(dup.status, 400);
      const max = t.api.deps.settings.api.contactsBatchMax;
      const many = Array.from({ length: max + 1 }, (_v, i) => ({ id: `k${i}`, numbers: ['123'] }));
      assert.equal((await t.call('POST', '/v1/me/contacts', { token: me.token, body: { contacts: many } })).status, 400);
      assert.equal((await t.call('POST', '/v1/me/contacts', { body: { contacts: [{ id: 'a', numbers: ['1'] }] } })).status, 401);
    });
  });

  describe('public profiles', () => {
    it('are visible to people who have the number, share a circle or pinned the user, and 404 for strangers', async () => {
      const n = ukMobile();
      const target = await phoneUser(t, n.e164);
      const stranger = await emailUser('GB');
      assert.equal((await t.call('GET', `/v1/users/${target.accountId}`, { token: stranger.token })).status, 404);
      await t.call('POST', '/v1/me/contacts', { token: stranger.token, body: { contacts: [{ id: 'k', numbers: [n.national] }] } });
      const seen = await t.call('GET', `/v1/users/${target.accountId}`, { token: stranger.token });
      assert.equal(seen.status, 200, seen.text);
      assert.equal(seen.body.id, target.accountId);
      const other = await emailUser('GB');
      const circle = (await t.call('POST', '/v1/circles', { token: other.token, body: { name: 'Pals' } })).body.id as number;
      await t.call('POST', `/v1/circles/${circle}/members`, { token: other.token, body: { accountId: target.accountId } });
      assert.equal((await t.call('GET', `/v1/users/${other.accountId}`, { token: target.token })).status, 200, 'the invitee sees who invites');
    });
  });

  describe('"contact joined"', () => {
    it('notifies everyone who has the number when its owner signs up', async () => {
      const alice = await emailUser('GB');
      const bob = await emailUser('PL');
      const n = ukMobile();
      await t.call('POST', '/v1/me/contacts', { token: alice.token, body: { contacts: [{ id: 'tab-17', numbers: [n.national] }] } });
      await t.call('POST', '/v1/me/contacts', { token: bob.token, body: { contacts: [{ id: 'tab-3', numbers: [`0044${n.national.slice(1)}`] }] } });
      const none = await t.call('GET', '/v1/me/notifications', { token: alice.token });
      assert.deepEqual(none.body.notifications, []);
      const joined = await phoneUser(t, n.e164);
      for (const [who, contactId] of [[alice, 'tab-17'], [bob, 'tab-3']] as const) {
        const r = await t.call('GET', '/v1/me/notifications?unread=true', { token: who.token });
        const list = r.body.notifications as Array<{ id: number; kind: string; payload: { contactId: string; phone: string; user: { id: number } } }>;
        assert.equal(list.length, 1, JSON.stringify(list));
        assert.equal(list[0].kind, 'contact_joined');
        assert.deepEqual([list[0].payload.contactId, list[0].payload.phone, list[0].payload.user.id], [contactId, n.e164, joined.accountId]);
        assert.deepEqual((await t.call('POST', '/v1/me/notifications/read', { token: who.token, body: { ids: [list[0].id] } })).body, { marked: 1 });
        assert.deepEqual((await t.call('GET', '/v1/me/notifications?unread=true', { token: who.token })).body.notifications, []);
      }
    });
  });

  describe('adding a phone number to an account', () => {
    it('proves the number by SMS, sets it, and tells the people who have it that the contact joined', async () => {
      const holder = await emailUser('GB');
      const late = await emailUser('GB');
      const n = ukMobile();
      await t.call('POST', '/v1/me/contacts', { token: holder.token, body: { contacts: [{ id: 'friend', numbers: [n.national] }] } });
      const start = await t.call('POST', '/v1/me/phone', { token: late.token, body: { phone: n.national } });
      assert.equal(start.status, 202, start.text);
      const code = /(\d{4,6})/.exec((await t.sms.next(n.e164)).text)?.[1] ?? '';
      const wrong = await t.call('POST', '/v1/me/phone/verify', { token: late.token, body: { phone: n.national, code: code === '0000' ? '1111' : '0000' } });
      assert.equal(wrong.body.error?.field, 'code');
      const ok = await t.call('POST', '/v1/me/phone/verify', { token: late.token, body: { phone: n.national, code } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.phone, n.e164);
      const notes = (await t.call('GET', '/v1/me/notifications', { token: holder.token })).body.notifications as Array<{ kind: string; payload: { user: { id: number } } }>;
      assert.deepEqual(notes.map((x) => [x.kind, x.payload.user.id]), [['contact_joined', late.accountId]]);
      const taken = await t.call('POST', '/v1/me/phone', { token: holder.token, body: { phone: n.e164 } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error?.field, 'phone');
    });
  });

  describe('circles', () => {
    it('invite, accept, list: the invitee gets a notification and the circle lists accepted members', async () => {
      const owner = await emailUser('GB');
      const gran = await phoneUser(t);
      const c = await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Family', kind: 'family' } });
      assert.equal(c.status, 201, c.text);
      const id = c.body.id as number;
      const inv = await t.call('POST', `/v1/circles/${id}/members`, { token: owner.token, body: { accountId: gran.accountId } });
      assert.equal(inv.status, 201, inv.text);
      assert.equal(inv.body.status, 'invited');
      const pending = await t.call('GET', '/v1/me/invitations', { token: gran.token });
      const invitations = pending.body.invitations as Array<{ circle: { id: number; name: string }; from: { id: number } }>;
      assert.deepEqual(invitations.map((x) => [x.circle.id, x.circle.name, x.from.id]), [[id, 'Family', owner.accountId]]);
      const notes = (await t.call('GET', '/v1/me/notifications', { token: gran.token })).body.notifications as Array<{ kind: string }>;
      assert.ok(notes.some((x) => x.kind === 'circle_invitation'));
      assert.equal((await t.call('GET', `/v1/circles/${id}`, { token: gran.token })).status, 403, 'not a member before accepting');
      assert.equal((await t.call('POST', `/v1/circles/${id}/accept`, { token: gran.token })).status, 204);
      const view = await t.call('GET', `/v1/circles/${id}`, { token: gran.token });
      assert.equal(view.status, 200);
      assert.deepEqual((view.body.members as Array<{ accountId: number; status: string }>).map((m) => [m.accountId, m.status]), [[gran.accountId, 'accepted']]);
      const mine = (await t.call('GET', '/v1/circles', { token: gran.token })).body.circles as Array<{ id: number; role: string }>;
      assert.deepEqual(mine.map((x) => [x.id, x.role]), [[id, 'member']]);
      const owned = (await t.call('GET', '/v1/circles', { token: owner.token })).body.circles as Array<{ id: number; role: string; members: number }>;
      assert.deepEqual(owned.map((x) => [x.id, x.role, x.members]), [[id, 'owner', 1]]);
      assert.equal((await t.call('POST', `/v1/circles/${id}/accept`, { token: gran.token })).status, 404, 'nothing left to answer');
    });

    it('a declined invitation is not listed; only the owner invites, renames or deletes (403)', async () => {
      const owner = await emailUser('GB');
      const a = await phoneUser(t);
      const b = await phoneUser(t);
      const id = (await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Friends', kind: 'friends' } })).body.id as number;
      await t.call('POST', `/v1/circles/${id}/members`, { token: owner.token, body: { accountId: a.accountId } });
      assert.equal((await t.call('POST', `/v1/circles/${id}/decline`, { token: a.token })).status, 204);
      assert.deepEqual((await t.call('GET', `/v1/circles/${id}`, { token: owner.token })).body.members, []);
      const notes = (await t.call('GET', '/v1/me/notifications', { token: owner.token })).body.notifications as Array<{ kind: string; payload: { answer: string } }>;
      assert.ok(notes.some((n) => n.kind === 'circle_response' && n.payload.answer === 'declined'));
      assert.equal((await t.call('POST', `/v1/circles/${id}/members`, { token: b.token, body: { accountId: a.accountId } })).status, 403);
      assert.equal((await t.call('PATCH', `/v1/circles/${id}`, { token: b.token, body: { name: 'Mine now' } })).status, 403);
      assert.equal((await t.call('DELETE', `/v1/circles/${id}`, { token: b.token })).status, 403);
      assert.equal((await t.call('GET', '/v1/circles/999999999', { token: b.token })).status, 404);
      const dup = await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Friends' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error?.field, 'name');
      assert.equal((await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'X', kind: 'enemies' } })).body.error?.field, 'kind');
    });

    it('lists the viewer\'s favourites on top, in the viewer\'s order, then the rest by name', async () => {
      const owner = await emailUser('GB');
      const names = ['Zenon', 'Adam', 'Maria', 'Basia'];
      const people = [];
      for (const name of names) {
        const p = await phoneUser(t);
        await t.call('PATCH', '/v1/me', { token: p.token, body: { displayName: name } });
        people.push({ ...p, name });
      }
      const id = (await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Care', kind: 'care' } })).body.id as number;
      for (const p of people) {
        await t.call('POST', `/v1/circles/${id}/members`, { token: owner.token, body: { accountId: p.accountId } });
        await t.call('POST', `/v1/circles/${id}/accept`, { token: p.token });
      }
      const order = async (): Promise<string[]> => ((await t.call('GET', `/v1/circles/${id}`, { token: owner.token })).body.members as Array<{ displayName: string }>)
        .map((m) => m.displayName);
      assert.deepEqual(await order(), ['Adam', 'Basia', 'Maria', 'Zenon']);
      const [zenon, , maria] = people;
      assert.deepEqual((await t.call('PUT', `/v1/me/favourites/${zenon.accountId}`, { token: owner.token, body: {} })).body, { position: 0 });
      assert.deepEqual((await t.call('PUT', `/v1/me/favourites/${maria.accountId}`, { token: owner.token, body: {} })).body, { position: 1 });
      assert.deepEqual(await order(), ['Zenon', 'Maria', 'Adam', 'Basia']);
      const favs = (await t.call('GET', '/v1/me/favourites', { token: owner.token })).body.favourites as Array<{ id: number }>;
      assert.deepEqual(favs.map((f) => f.id), [zenon.accountId, maria.accountId]);
      await t.call('PUT', `/v1/me/favourites/${maria.accountId}`, { token: owner.token, body: { position: 0 } });
      await t.call('PUT', `/v1/me/favourites/${zenon.accountId}`, { token: owner.token, body: { position: 5 } });
      assert.deepEqual(await order(), ['Maria', 'Zenon', 'Adam', 'Basia']);
      assert.equal((await t.call('DELETE', `/v1/me/favourites/${zenon.accountId}`, { token: owner.token })).status, 204);
      assert.deepEqual(await order(), ['Maria', 'Adam', 'Basia', 'Zenon']);
      const memberView = ((await t.call('GET', `/v1/circles/${id}`, { token: zenon.token })).body.members as Array<{ displayName: string; favourite: boolean }>);
      assert.ok(memberView.every((m) => !m.favourite), 'favourites are the viewer\'s own');
    });

    it('invites a non-user by an email link, which the new user accepts once signed up (single use)', async () => {
      const owner = await emailUser('GB');
      const id = (await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Grandkids', kind: 'family' } })).body.id as number;
      const email = `${uniqueName('new')}@example.org`;
      const r = await t.call('POST', `/v1/circles/${id}/members`, { token: owner.token, body: { email } });
      assert.equal(r.status, 202, r.text);
      assert.deepEqual({ status: r.body.status, channel: r.body.channel }, { status: 'invitation_sent', channel: 'email' });
      const link = new URL(linkIn((await t.smtp.next(email)).text));
      const token = decodeURIComponent(link.search.replace('?token=', ''));
      assert.equal(link.pathname, '/v1/invites');
      const about = await t.call('GET', `/v1/invites/${encodeURIComponent(token)}`);
      assert.deepEqual((about.body.circle as { name: string }).name, 'Grandkids');
      const invitee = await phoneUser(t);
      const join = await t.call('POST', `/v1/invites/${encodeURIComponent(token)}/accept`, { token: invitee.token });
      assert.equal(join.status, 200, join.text);
      const members = (await t.call('GET', `/v1/circles/${id}`, { token: owner.token })).body.members as Array<{ accountId: number; status: string }>;
      assert.deepEqual(members.map((m) => [m.accountId, m.status]), [[invitee.accountId, 'accepted']]);
      const again = await t.call('POST', `/v1/invites/${encodeURIComponent(token)}/accept`, { token: (await phoneUser(t)).token });
      assert.equal(again.status, 410);
    });

    it('invites a non-user by SMS with a link', async () => {
      const owner = await emailUser('GB');
      const id = (await t.call('POST', '/v1/circles', { token: owner.token, body: { name: 'Neighbours' } })).body.id as number;
      const n = ukMobile();
      const r = await t.call('POST', `/v1/circles/${id}/members`, { token: owner.token, body: { phone: n.national, country: 'GB' } });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.channel, 'sms');
      const sms = await t.sms.next(n.e164);
      assert.match(sms.text, /invites you to their circle on openline: http:\/\/\S+\/v1\/invites\?token=/);
    });
  });

  describe('blocks and reports', () => {
    it('stores a block that isBlocked() reports for the B2BUA (directional), and a blocked user cannot invite', async () => {
      const me = await phoneUser(t);
      const pest = await emailUser('GB');
      assert.equal((await t.call('PUT', `/v1/me/blocks/${pest.accountId}`, { token: me.token })).status, 204);
      assert.equal((await t.call('PUT', `/v1/me/blocks/${pest.accountId}`, { token: me.token })).status, 204, 'idempotent');
      const list = (await t.call('GET', '/v1/me/blocks', { token: me.token })).body.blocked as Array<{ id: number }>;
      assert.deepEqual(list.map((b) => b.id), [pest.accountId]);
      const pool = t.stack.dbPool();
      assert.equal(await isBlocked(pool, me.accountId, pest.accountId), true);
      assert.equal(await isBlocked(pool, pest.accountId, me.accountId), false);
      const domain = t.api.deps.settings.sipDomain;
      assert.equal(await isBlockedBySip(pool, { user: me.phone.slice(1), domain }, { user: pest.username, domain }), true);
      assert.equal(await isBlockedBySip(pool, { user: pest.username, domain }, { user: me.phone.slice(1), domain }), false);
      const circle = (await t.call('POST', '/v1/circles', { token: pest.token, body: { name: 'Let me in' } })).body.id as number;
      const inv = await t.call('POST', `/v1/circles/${circle}/members`, { token: pest.token, body: { accountId: me.accountId } });
      assert.equal(inv.status, 403);
      assert.equal(inv.body.error?.code, 'blocked');
      assert.equal((await t.call('DELETE', `/v1/me/blocks/${pest.accountId}`, { token: me.token })).status, 204);
      assert.equal(await isBlocked(pool, me.accountId, pest.accountId), false);
      assert.equal((await t.call('PUT', `/v1/me/blocks/${me.accountId}`, { token: me.token })).body.error?.field, 'accountId');
    });

    it('records a report about a user', async () => {
      const me = await phoneUser(t);
      const other = await emailUser('GB');
      const r = await t.call('POST', '/v1/reports', { token: me.token, body: { accountId: other.accountId, reason: 'spam', details: 'sells pills' } });
      assert.equal(r.status, 201, r.text);
      const rows = await t.stack.dbPool().query<Array<{ reporter_id: number; reported_id: number; reason: string }>>(
        'SELECT reporter_id, reported_id, reason FROM reports WHERE id = ?', [r.body.id]);
      assert.deepEqual({ ...rows[0] }, { reporter_id: me.accountId, reported_id: other.accountId, reason: 'spam' });
      assert.equal((await t.call('POST', '/v1/reports', { token: me.token, body: { accountId: other.accountId, reason: 'meh' } })).body.error?.field, 'reason');
    });
  });
});
