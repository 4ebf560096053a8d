// Sign-up by username and email (RCS seed, "Username registration"): the username is checked for
// availability, the account is created pending with its web password, and an activation email
// carries a signed, expiring, single-use link; opening it activates the account. An unactivated
// username becomes free again once its link has expired.
import type { ApiDeps } from '../deps';
import { ApiError, conflict } from '../errors';
import { MailError } from '../providers/mail';
import type { LinkService } from './links';

export interface EmailStart {
  username: string;
  email: string;
  password: string;
  country?: string | undefined;
  displayName?: string | undefined;
}

export const ACTIVATE_PATH = '/v1/signup/email/activate';

export class EmailSignupService {
  constructor(private readonly d: ApiDeps, private readonly links: LinkService) {}

  private get cfg() {
    return this.d.settings.api;
  }

  /** Free, or held only by a pending sign-up whose link has expired (which is then dropped). */
  async available(username: string, reclaim = false): Promise<boolean> {
    const a = await this.d.repos.accounts.byUsername(username);
    if (!a) return true;
    const stale = a.status === 'pending' && !(await this.d.repos.actions.hasLive(a.id, 'activate', new Date(this.d.clock.now())));
    if (stale && reclaim) await this.d.repos.accounts.remove(a.id);
    return stale;
  }

  async start(input: EmailStart, ip: string): Promise<{ status: 'activation_sent'; username: string; email: string; expiresIn: number }> {
    const w = this.cfg.rateWindowSeconds;
    await this.d.limiter.consume({ key: `signup:ip:${ip}`, max: this.cfg.signupPerIp, windowSeconds: w }, 'too many sign-up attempts from this address');
    await this.d.limiter.consume({ key: `signup:id:${input.username}`, max: this.cfg.signupPerIdentity, windowSeconds: w },
      'too many sign-up attempts for this username');
    await this.d.limiter.consume({ key: `signup:id:${input.email}`, max: this.cfg.signupPerIdentity, windowSeconds: w },
      'too many sign-up attempts for this email address');
    if (!(await this.available(input.username, true))) throw conflict(`username '${input.username}' is taken`, 'username_taken', 'username');
    const { account } = await this.d.repos.credentials.add({
      username: input.username, domain: this.d.settings.sipDomain, webPassword: input.password, email: input.email,
      status: 'pending', ...(input.country ? { country: input.country } : {}), ...(input.displayName ? { displayName: input.displayName } : {}),
    });
    const link = await this.links.create('activate', ACTIVATE_PATH, this.cfg.activationTtlSeconds, { accountId: account.id });
    try {
      await this.d.mailer.send({
        to: input.email, subject: 'Confirm your openline account',
        text: `Hello ${input.displayName ?? input.username},\n\nopen this link to activate your account "${input.username}":\n\n${link.url}\n\n`
          + `The link works once and expires at ${link.expiresAt.toISOString()}.\nIf you did not sign up, ignore this message.\n`,
      });
    } catch (err) {
      await this.d.repos.accounts.remove(account.id);
      this.d.logger.warn({ err: (err as Error).message }, 'activation mail failed');
      throw new ApiError(502, 'mail_failed', err instanceof MailError ? 'the activation email could not be sent; try again later' : 'mail failed');
    }
    return { status: 'activation_sent', username: input.username, email: input.email, expiresIn: this.cfg.activationTtlSeconds };
  }

  async activate(token: string): Promise<{ status: 'activated'; username: string }> {
    const row = await this.links.open('activate', token);
    const account = row.accountId === null ? undefined : await this.d.repos.accounts.byId(row.accountId);
    if (!account) throw new ApiError(410, 'link_expired', 'this sign-up no longer exists; sign up again');
    await this.links.use(row, account.id);
    if (account.status === 'pending') await this.d.repos.accounts.setStatus(account.id, 'active');
    return { status: 'activated', username: account.username };
  }
}
