// Circles (eldercare seed: "Family and Friends Circle", care workers): the owner names a circle,
// invites users (they accept or decline) or non-users by an SMS or email link (accepted once they
// have an account). Owners and accepted members see the member list, the viewer's favourites first.
import type { ApiDeps } from '../deps';
import { conflict, forbidden, gone, notFound } from '../errors';
import { publicUser, type AccountView } from '../repos/accounts';
import type { Circle, CircleKind, Member } from '../repos/circles';
import type { LinkService } from './links';
import type { PhoneSignupService } from './phone-signup';
import { ER_DUP_ENTRY, isBlocked, sqlErrno } from '@openline/db';

export const INVITE_PATH = '/v1/invites';

export type InviteTarget =
  | { accountId: number }
  | { username: string }
  | { phone: string; country?: string | undefined }
  | { email: string };

export type InviteResult =
  | { status: 'invited' | 'accepted'; member: { accountId: number } }
  | { status: 'invitation_sent'; channel: 'sms' | 'email'; expiresIn: number };

export class CircleService {
  constructor(private readonly d: ApiDeps, private readonly links: LinkService, private readonly phones: PhoneSignupService) {}

  private now(): Date {
    return new Date(this.d.clock.now());
  }

  async create(ownerId: number, name: string, kind: CircleKind): Promise<Circle> {
    try {
      const id = await this.d.repos.circles.create(ownerId, name, kind);
      return (await this.d.repos.circles.get(id)) as Circle;
    } catch (err) {
      if (sqlErrno(err) === ER_DUP_ENTRY) throw conflict(`you already have a circle named '${name}'`, 'duplicate', 'name');
      throw err;
    }
  }

  /** The circle if it exists and the account may see it (owner or accepted member). */
  async visible(circleId: number, accountId: number): Promise<Circle> {
    const c = await this.d.repos.circles.get(circleId);
    if (!c) throw notFound(`no circle ${circleId}`);
    if (c.ownerId !== accountId && (await this.d.repos.circles.memberStatus(circleId, accountId)) !== 'accepted') {
      throw forbidden('only the owner and members of a circle may see it');
    }
    return c;
  }

  async owned(circleId: number, accountId: number): Promise<Circle> {
    const c = await this.d.repos.circles.get(circleId);
    if (!c) throw notFound(`no circle ${circleId}`);
    if (c.ownerId !== accountId) throw forbidden('only the owner of a circle may change it');
    return c;
  }

  async view(circleId: number, viewer: number): Promise<{ circle: Circle; members: Member[] }> {
    const circle = await this.visible(circleId, viewer);
    return { circle, members: await this.d.repos.circles.members(circleId, viewer) };
  }

  private async resolve(t: InviteTarget): Promise<AccountView | undefined> {
    if ('accountId' in t) return this.d.repos.accounts.byId(t.accountId);
    if ('username' in t) return this.d.repos.accounts.byUsername(t.username.toLowerCase());
    if ('phone' in t) return this.d.repos.accounts.byPhone(this.phones.normalise(t.phone, t.country));
    return this.d.repos.accounts.byEmail(t.email);
  }

  async invite(circleId: number, inviter: AccountView, target: InviteTarget): Promise<InviteResult> {
    const circle = await this.owned(circleId, inviter.id);
    const user = await this.resolve(target);
    if (user && user.status === 'active') {
      if (user.id === inviter.id) throw conflict('you own this circle', 'invalid_target');
      if (await isBlocked(this.d.pool, user.id, inviter.id)) throw forbidden('this user does not accept invitations from you', 'blocked');
      const status = await this.d.repos.circles.invite(circleId, user.id, inviter.id, this.now());
      if (status === 'invited') {
        await this.d.notify.notify({
          accountId: user.id, kind: 'circle_invitation',
          payload: { circle: { id: circle.id, name: circle.name, kind: circle.kind }, from: publicUser(inviter) },
        });
      }
      return { status, member: { accountId: user.id } };
    }
    if ('accountId' in target || 'username' in target) throw notFound('no such user');
    const ttl = this.d.settings.api.inviteTtlSeconds;
    const link = await this.links.create('invite', INVITE_PATH, ttl, { accountId: inviter.id, circleId });
    const who = inviter.displayName ?? inviter.username;
    if ('phone' in target) {
      const to = this.phones.normalise(target.phone, target.country);
      await this.d.sms.send({ to, text: `${who} invites you to their circle on openline: ${link.url}` });
      return { status: 'invitation_sent', channel: 'sms', expiresIn: ttl };
    }
    await this.d.mailer.send({
      to: target.email, subject: `${who} invites you to openline`,
      text: `${who} would like you in their circle "${circle.name}" on openline.\n\nSign up, then open this link to join:\n\n${link.url}\n\n`
        + `The link works once and expires at ${link.expiresAt.toISOString()}.\n`,
    });
    return { status: 'invitation_sent', channel: 'email', expiresIn: ttl };
  }

  async respond(circleId: number, accountId: number, answer: 'accepted' | 'declined'): Promise<void> {
    const c = await this.d.repos.circles.get(circleId);
    if (!c) throw notFound(`no circle ${circleId}`);
    if (!(await this.d.repos.circles.respond(circleId, accountId, answer, this.now()))) {
      throw notFound('there is no invitation to this circle waiting for your answer', 'no_invitation');
    }
    const me = await this.d.repos.accounts.byId(accountId);
    if (me) {
      await this.d.notify.notify({
        accountId: c.ownerId, kind: 'circle_response',
        payload: { circle: { id: c.id, name: c.name }, answer, user: publicUser(me) },
      });
    }
  }

  /** What an invitation link shows before sign-in: the circle's name and who invites. */
  async describeInvite(token: string): Promise<{ circle: { id: number; name: string }; from: ReturnType<typeof publicUser> }> {
    const row = await this.links.open('invite', token);
    const c = row.circleId === null ? undefined : await this.d.repos.circles.get(row.circleId);
    const inviter = row.accountId === null ? undefined : await this.d.repos.accounts.byId(row.accountId);
    if (!c || !inviter) throw gone('this circle no longer exists', 'link_expired');
    return { circle: { id: c.id, name: c.name }, from: publicUser(inviter) };
  }

  async acceptInvite(token: string, accountId: number): Promise<Circle> {
    const row = await this.links.open('invite', token);
    const c = row.circleId === null ? undefined : await this.d.repos.circles.get(row.circleId);
    if (!c) throw gone('this circle no longer exists', 'link_expired');
    if (c.ownerId === accountId) throw conflict('you own this circle', 'invalid_target');
    await this.links.use(row, accountId);
    await this.d.repos.circles.addAccepted(c.id, accountId, c.ownerId, this.now());
    return c;
  }

  /** The owner removes a member, or a member leaves. */
  async removeMember(circleId: number, actor: number, member: number): Promise<void> {
    const c = await this.d.repos.circles.get(circleId);
    if (!c) throw notFound(`no circle ${circleId}`);
    if (actor !== c.ownerId && actor !== member) throw forbidden('only the owner removes members; members may leave');
    if (!(await this.d.repos.circles.removeMember(circleId, member))) throw notFound('not a member of this circle');
  }
}
