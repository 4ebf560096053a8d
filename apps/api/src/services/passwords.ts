// Web passwords (RCS "SIP and Web password": the access password, separate from the SIP one):
// sign-in by username or phone, change (current password required when one is set), reset by
// an emailed single-use link. A change or reset ends the account's other sessions.
import { verifyPassword } from '@openline/db';
import type { ApiDeps } from '../deps';
import { badRequest, forbidden, unauthorized } from '../errors';
import type { AuthContext } from '../http/auth';
import { webPasswordHash, type AccountView } from '../repos/accounts';
import type { LinkService } from './links';
import type { PhoneSignupService } from './phone-signup';
import type { SessionService } from './sessions';

export const RESET_PATH = '/v1/password/reset/confirm';

/** Usernames start with a letter; anything starting with + or a digit is a phone number. */
export function looksLikePhone(login: string): boolean {
  return /^[+0-9]/.test(login.trim());
}

export class PasswordService {
  constructor(private readonly d: ApiDeps, private readonly links: LinkService, private readonly sessions: SessionService,
    private readonly phones: PhoneSignupService) {}

  private get cfg() {
    return this.d.settings.api;
  }

  async find(login: string, country: string | undefined): Promise<AccountView | undefined> {
    if (looksLikePhone(login)) return this.d.repos.accounts.byPhone(this.phones.normalise(login, country));
    return this.d.repos.accounts.byUsername(login.toLowerCase());
  }

  /** The account for a login and web password; failures are counted per address and per login. */
  async authenticate(login: string, password: string, country: string | undefined, ip: string): Promise<AccountView> {
    const w = this.cfg.rateWindowSeconds;
    const byIp = { key: `signin-fail:ip:${ip}`, max: this.cfg.signinFailuresPerIp, windowSeconds: w };
    // One counter per account however the login is written (+44…, 0044…, 07…).
    const identity = looksLikePhone(login) ? this.phones.normalise(login, country) : login.trim().toLowerCase();
    const byId = { key: `signin-fail:id:${identity}`, max: this.cfg.signinFailuresPerIdentity, windowSeconds: w };
    await this.d.limiter.check(byIp, 'too many failed sign-ins from this address', 'too_many_failures');
    await this.d.limiter.check(byId, 'too many failed sign-ins for this account', 'too_many_failures');
    const account = await this.find(login, country);
    const hash = account ? await webPasswordHash(this.d.pool, account.id) : null;
    if (!account || !hash || !(await verifyPassword(password, hash))) {
      await this.d.limiter.fail(byIp);
      await this.d.limiter.fail(byId);
      throw unauthorized('wrong login or password', 'invalid_credentials');
    }
    if (account.status === 'pending') throw forbidden('the account is not activated yet: open the link in the activation email', 'not_activated');
    if (account.status !== 'active') throw forbidden('this account is disabled', 'account_disabled');
    return account;
  }

  async change(auth: AuthContext, current: string | undefined, next: string): Promise<void> {
    const account = await this.d.repos.accounts.byId(auth.accountId);
    if (!account) throw unauthorized();
    const hash = await webPasswordHash(this.d.pool, account.id);
    if (hash) {
      if (current === undefined) throw badRequest('currentPassword', 'currentPassword: required to change the password');
      if (!(await verifyPassword(current, hash))) throw forbidden('currentPassword is wrong', 'wrong_password');
    }
    await this.d.repos.credentials.update(`${account.username}@${account.domain}`, { webPassword: next });
    await this.sessions.endOtherSessions(account.id, auth.session);
  }

  /** Sends a reset link when the login has an email; the answer never says whether it exists. */
  async requestReset(login: string, country: string | undefined, ip: string): Promise<void> {
    const w = this.cfg.rateWindowSeconds;
    await this.d.limiter.consume({ key: `reset:ip:${ip}`, max: this.cfg.signupPerIp, windowSeconds: w }, 'too many reset requests from this address');
    await this.d.limiter.consume({ key: `reset:id:${login.trim().toLowerCase()}`, max: this.cfg.signupPerIdentity, windowSeconds: w },
      'too many reset requests for this account');
    const account = await this.find(login, country);
    if (!account || !account.email || account.status === 'disabled') return;
    await this.d.repos.actions.expireFor(account.id, 'reset', new Date(this.d.clock.now()));
    const link = await this.links.create('reset', RESET_PATH, this.cfg.resetTtlSeconds, { accountId: account.id });
    await this.d.mailer.send({
      to: account.email, subject: 'Reset your openline password',
      text: `Hello ${account.displayName ?? account.username},\n\nto set a new password for "${account.username}" use this link:\n\n${link.url}\n\n`
        + `It works once and expires at ${link.expiresAt.toISOString()}. If you did not ask for it, ignore this message.\n`,
    });
  }

  async confirmReset(token: string, next: string): Promise<{ username: string }> {
    const row = await this.links.open('reset', token);
    const account = row.accountId === null ? undefined : await this.d.repos.accounts.byId(row.accountId);
    if (!account) throw badRequest('token', 'token: the account no longer exists', 'invalid_link');
    await this.links.use(row, account.id);
    await this.d.repos.credentials.update(`${account.username}@${account.domain}`, {
      webPassword: next, ...(account.status === 'pending' ? { status: 'active' } : {}),
    });
    await this.sessions.endOtherSessions(account.id);
    return { username: account.username };
  }
}
