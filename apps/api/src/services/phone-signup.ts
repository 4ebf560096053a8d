// Sign-up by phone number (RCS seed, "Phone number registration"): the number is normalised to
// E.164, a one-time code goes out by SMS, the code proves the number. Limits per number and
// device (RCS dialer_requests): at most codesPerDevice codes ("Too many SMS"), at most
// wrongCodeAttempts wrong codes (then the device is refused), a new code only resendAfterSeconds
// after the last. A device that re-installs on its number (same hardware id) is recognised: with
// reinstall=signin it is signed in at once as the seed describes; with reinstall=verify (default)
// it proves the number again but keeps its account and device. A verified number that already
// has an account signs this device in to it (the seed's SMS log-in); otherwise an account is
// created whose SIP login is the number's digits (RCS generic mode).
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { ApiDeps } from '../deps';
import { ApiError, badRequest, forbidden, gone, tooMany } from '../errors';
import { callingCode, normaliseNumber, countryOfNumber } from '../phone/normalise';
import type { AccountView } from '../repos/accounts';
import { VerificationsRepo, type Verification } from '../repos/verifications';
import { SmsError } from '../providers/sms';
import type { ContactService } from './contacts';
import type { DeviceInput, SessionGrant, SessionService } from './sessions';
import { inTransaction } from './tx';

export interface PhoneStart {
  phone: string;
  country?: string | undefined;
  device: DeviceInput;
}

export interface CodeSent {
  status: 'code_sent';
  phone: string;
  codeLength: number;
  expiresIn: number;
  resendAfter: number;
  codesLeft: number;
  attemptsLeft: number;
  /** This device signed up on this number before (a re-install). */
  recognised: boolean;
}

export type StartResult = CodeSent | ({ status: 'signed_in'; recognised: true; account: AccountView } & SessionGrant);

export interface VerifyResult extends SessionGrant {
  created: boolean;
  account: AccountView;
}

function hashCode(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('hex');
}

export class PhoneSignupService {
  constructor(private readonly d: ApiDeps, private readonly sessions: SessionService, private readonly contacts: ContactService) {}

  /** E.164 for the sign-up number: international as given, or national/local for `country`. */
  normalise(phone: string, country: string | undefined): string {
    const t = phone.trim();
    if (!country && !t.startsWith('+') && !t.startsWith('00')) {
      throw badRequest('country', 'country: needed for a number without its country code (or give the number as +…)');
    }
    if (country && callingCode(country) === undefined) throw badRequest('country', `country: '${country}' is not an ISO 3166-1 country code`);
    const n = normaliseNumber(t, country ?? 'US');
    if (!n) throw badRequest('phone', `phone: '${phone}' is not a phone number`);
    return n.e164;
  }

  private udid(device: DeviceInput): string {
    return this.sessions.udidHash(device.udid ?? device.id);
  }

  private get cfg() {
    return this.d.settings.api;
  }

  private now(): number {
    return this.d.clock.now();
  }

  async start(input: PhoneStart, ip: string): Promise<StartResult> {
    const phone = this.normalise(input.phone, input.country);
    const w = this.cfg.rateWindowSeconds;
    await this.d.limiter.consume({ key: `signup:ip:${ip}`, max: this.cfg.signupPerIp, windowSeconds: w }, 'too many sign-up attempts from this address');
    await this.d.limiter.consume({ key: `signup:id:${phone}`, max: this.cfg.signupPerIdentity, windowSeconds: w }, 'too many sign-up attempts for this number');
    const udidHash = this.udid(input.device);
    const existing = await this.d.repos.accounts.byPhone(phone);
    const known = existing && existing.status === 'active' ? await this.d.repos.devices.byUdid(existing.id, udidHash) : undefined;
    if (existing && known && this.cfg.reinstall === 'signin') {
      const grant = await this.sessions.signIn(existing, input.device, true);
      return { status: 'signed_in', recognised: true, account: existing, ...grant };
    }
    return this.sendCode(phone, udidHash, input.device.platform ?? null, input.country?.toUpperCase() ?? null, known !== undefined);
  }

  /**
   * Sends a code to a number for a device (the RCS limits apply per number and device hash).
   * Used by sign-up and by adding a number to an account.
   */
  async sendCode(phone: string, udidHash: string, platform: string | null, country: string | null, recognised: boolean): Promise<CodeSent> {
    return inTransaction(this.d.pool, async (conn) => {
      const repo = new VerificationsRepo(conn);
      const v = await repo.lock(phone, udidHash, platform, country);
      this.checkNotRefused(v);
      if (v.codesSent >= this.cfg.codesPerDevice) {
        throw tooMany(`Too many SMS: ${this.cfg.codesPerDevice} codes were sent to this number for this device`, 'too_many_sms');
      }
      if (v.lastSentAt) {
        const wait = v.lastSentAt.getTime() + this.cfg.resendAfterSeconds * 1000 - this.now();
        if (wait > 0) {
          const s = Math.ceil(wait / 1000);
          throw tooMany(`a new code can be requested in ${s} s`, 'resend_too_soon', s);
        }
      }
      const code = String(randomInt(0, 10 ** this.cfg.codeLength)).padStart(this.cfg.codeLength, '0');
      const salt = randomBytes(16).toString('hex');
      try {
        await this.d.sms.send({ to: phone, text: this.cfg.sms.text.replace('[CODE]', code) });
      } catch (err) {
        this.d.logger.warn({ err: (err as Error).message }, 'SMS provider failed');
        throw new ApiError(502, 'sms_failed', err instanceof SmsError ? 'the SMS could not be sent; try again later' : 'SMS sending failed');
      }
      const at = new Date(this.now());
      await repo.codeSent(v.id, hashCode(salt, code), salt, new Date(at.getTime() + this.cfg.codeTtlSeconds * 1000), at);
      return {
        status: 'code_sent', phone, codeLength: this.cfg.codeLength, expiresIn: this.cfg.codeTtlSeconds,
        resendAfter: this.cfg.resendAfterSeconds, codesLeft: this.cfg.codesPerDevice - v.codesSent - 1,
        attemptsLeft: this.cfg.wrongCodeAttempts - v.wrongAttempts, recognised,
      } satisfies CodeSent;
    });
  }

  private checkNotRefused(v: Verification): void {
    if (v.wrongAttempts >= this.cfg.wrongCodeAttempts) {
      throw forbidden(`${this.cfg.wrongCodeAttempts} wrong codes were entered on this device: verification of this number is refused`,
        'too_many_attempts');
    }
  }

  async verify(input: PhoneStart & { code: string }, ip: string): Promise<VerifyResult> {
    const phone = this.normalise(input.phone, input.country);
    await this.d.limiter.check({ key: `verify-fail:ip:${ip}`, max: this.cfg.signinFailuresPerIp, windowSeconds: this.cfg.rateWindowSeconds },
      'too many wrong codes from this address');
    await this.checkCode(phone, this.udid(input.device), input.code, ip);
    let account = await this.d.repos.accounts.byPhone(phone);
    let created = false;
    if (account && account.status === 'disabled') throw forbidden('this account is disabled', 'account_disabled');
    if (!account) {
      account = await this.createAccount(phone, input.country);
      created = true;
    } else if (account.status === 'pending') {
      await this.d.repos.accounts.setStatus(account.id, 'active');
      account = { ...account, status: 'active' };
    }
    const grant = await this.sessions.signIn(account, input.device, true);
    if (created) await this.contacts.announceJoined(account);
    return { ...grant, created, account };
  }

  /** Checks a code for a number and device; wrong attempts are counted even though the request fails. */
  async checkCode(phone: string, udidHash: string, code: string, ip: string): Promise<void> {
    // A wrong attempt must be counted even though the request fails: the transaction commits
    // the count and the outcome is thrown afterwards.
    const outcome = await inTransaction(this.d.pool, async (conn): Promise<ApiError | 'ok'> => {
      const repo = new VerificationsRepo(conn);
      const v = await repo.find(phone, udidHash, true);
      if (!v || !v.codeHash || !v.codeSalt || !v.codeExpiresAt) {
        return new ApiError(409, 'no_code', 'no code is outstanding for this number on this device: request one first');
      }
      this.checkNotRefused(v);
      if (v.codeExpiresAt.getTime() <= this.now()) return gone('the code has expired: request a new one', 'code_expired');
      const given = Buffer.from(hashCode(v.codeSalt, code));
      if (!timingSafeEqual(given, Buffer.from(v.codeHash))) {
        await repo.wrongAttempt(v.id);
        const left = this.cfg.wrongCodeAttempts - v.wrongAttempts - 1;
        return left <= 0
          ? forbidden(`${this.cfg.wrongCodeAttempts} wrong codes were entered on this device: verification of this number is refused`, 'too_many_attempts')
          : new ApiError(400, 'wrong_code', `code: wrong code (${left} attempt${left === 1 ? '' : 's'} left)`, 'code');
      }
      await repo.verified(v.id, new Date(this.now()));
      return 'ok';
    });
    if (outcome !== 'ok') {
      if (outcome.code === 'wrong_code' || outcome.code === 'too_many_attempts') {
        await this.d.limiter.fail({ key: `verify-fail:ip:${ip}`, max: this.cfg.signinFailuresPerIp, windowSeconds: this.cfg.rateWindowSeconds });
      }
      throw outcome;
    }
  }

  private async createAccount(phone: string, country: string | undefined): Promise<AccountView> {
    const c = country?.toUpperCase() ?? countryOfNumber(phone);
    const { account } = await this.d.repos.credentials.add({
      username: phone.slice(1), domain: this.d.settings.sipDomain, phone, ...(c ? { country: c } : {}), status: 'active',
    });
    const view = await this.d.repos.accounts.byId(account.id);
    if (!view) throw new Error('account vanished after creation');
    return view;
  }
}
