// Adding (or changing) the phone number of a signed-in account (RCS "Adding phone number"): the
// number is proven with an SMS code under the sign-up limits, keyed by the signed-in device; once
// set, everyone who has the number in their address book hears that the contact joined.
import type { ApiDeps } from '../deps';
import { conflict, unauthorized } from '../errors';
import type { AuthContext } from '../http/auth';
import type { AccountView } from '../repos/accounts';
import type { ContactService } from './contacts';
import type { CodeSent, PhoneSignupService } from './phone-signup';
import type { SessionService } from './sessions';

export class AddPhoneService {
  constructor(private readonly d: ApiDeps, private readonly phones: PhoneSignupService, private readonly sessions: SessionService,
    private readonly contacts: ContactService) {}

  private deviceKey(auth: AuthContext): string {
    return this.sessions.udidHash(`device:${auth.deviceId}`);
  }

  private async target(auth: AuthContext, phone: string, country: string | undefined): Promise<{ me: AccountView; e164: string }> {
    const me = await this.d.repos.accounts.byId(auth.accountId);
    if (!me) throw unauthorized('the account no longer exists');
    const e164 = this.phones.normalise(phone, country ?? me.country ?? undefined);
    const owner = await this.d.repos.accounts.byPhone(e164);
    if (owner && owner.id !== me.id) throw conflict('this number belongs to another account', 'phone_taken', 'phone');
    return { me, e164 };
  }

  async start(auth: AuthContext, phone: string, country: string | undefined, ip: string): Promise<CodeSent> {
    const { e164 } = await this.target(auth, phone, country);
    const cfg = this.d.settings.api;
    await this.d.limiter.consume({ key: `signup:ip:${ip}`, max: cfg.signupPerIp, windowSeconds: cfg.rateWindowSeconds },
      'too many attempts from this address');
    await this.d.limiter.consume({ key: `signup:id:${e164}`, max: cfg.signupPerIdentity, windowSeconds: cfg.rateWindowSeconds },
      'too many attempts for this number');
    return this.phones.sendCode(e164, this.deviceKey(auth), null, null, false);
  }

  async verify(auth: AuthContext, phone: string, country: string | undefined, code: string, ip: string): Promise<AccountView> {
    const { me, e164 } = await this.target(auth, phone, country);
    await this.phones.checkCode(e164, this.deviceKey(auth), code, ip);
    await this.d.repos.credentials.update(`${me.username}@${me.domain}`, { phone: e164 });
    const updated = await this.d.repos.accounts.byId(me.id);
    if (!updated) throw unauthorized('the account no longer exists');
    if (me.phone !== e164) await this.contacts.announceJoined(updated);
    return updated;
  }
}
