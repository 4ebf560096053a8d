// Sessions: a sign-in on a device gives a short-lived access token and a refresh token (stored
// as its SHA-256, rotated on every use; a rotated token presented again revokes the session, the
// sign of a stolen copy). SIP clients also get the account's SIP identity and password.
//
// SIP password model: one SIP password per account, kept as digest HA1 values (what the registrar
// checks) and an AES-256-GCM sealed copy that is decrypted for a signed-in device. Devices that
// were handed it are marked (devices.sip_issued_at); signing such a device out, or removing it,
// rotates the account's SIP password so the copy it holds stops working. The account's other
// devices fetch the new one with GET /v1/me/sip (their next REGISTER fails with 401 until then).
import { randomBytes } from 'node:crypto';
import { generatePassword } from '@openline/db';
import type { ApiDeps } from '../deps';
import { sha256Hex } from '../crypto/keys';
import { unauthorized } from '../errors';
import type { AuthContext } from '../http/auth';
import type { AccountView } from '../repos/accounts';

export interface DeviceInput {
  /** The client's instance UUID (sent as +sip.instance "<urn:uuid:…>"). */
  id: string;
  /** Hardware id (RCS UDID): recognises a re-install; only its keyed hash is stored. */
  udid?: string | undefined;
  platform?: string | undefined;
  name?: string | undefined;
}

export interface SipCredentials {
  username: string;
  authUsername: string;
  domain: string;
  realm: string;
  password: string;
  aor: string;
  registrar: string;
  wsUri: string;
}

export interface SessionGrant {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
  device: { id: number; instanceId: string };
  sip?: SipCredentials;
}

export function instanceIdOf(uuid: string): string {
  return `urn:uuid:${uuid.toLowerCase()}`;
}

export class SessionService {
  constructor(private readonly d: ApiDeps) {}

  private now(): Date {
    return new Date(this.d.clock.now());
  }

  udidHash(udid: string): string {
    return sha256Hex(`${this.d.settings.keys.discovery.toString('hex')}:udid:${udid}`);
  }

  async signIn(account: AccountView, device: DeviceInput, wantSip: boolean): Promise<SessionGrant> {
    const instanceId = instanceIdOf(device.id);
    const deviceId = await this.d.repos.devices.signIn({
      accountId: account.id, instanceId, udidHash: device.udid ? this.udidHash(device.udid) : null,
      platform: device.platform ?? null, name: device.name ?? null, at: this.now(),
    });
    const family = randomBytes(16).toString('hex');
    const grant = await this.grant({ accountId: account.id, session: family, deviceId }, instanceId);
    if (wantSip) grant.sip = await this.sipCredentials(account, deviceId);
    return grant;
  }

  private async grant(a: AuthContext, instanceId: string): Promise<SessionGrant> {
    const refreshToken = randomBytes(32).toString('base64url');
    const ttl = this.d.settings.api.refreshTokenTtlSeconds;
    await this.d.repos.refresh.insert(sha256Hex(refreshToken), a.session, a.accountId, a.deviceId, new Date(this.d.clock.now() + ttl * 1000));
    return {
      accessToken: this.d.access.issue(a), tokenType: 'Bearer', expiresIn: this.d.access.ttl,
      refreshToken, refreshExpiresIn: ttl, device: { id: a.deviceId, instanceId },
    };
  }

  /** Rotation: the presented token is spent and a new pair issued in the same session. */
  async refresh(token: string): Promise<SessionGrant> {
    const row = await this.d.repos.refresh.byHash(sha256Hex(token));
    const now = this.now();
    if (!row || row.deviceId === null) throw unauthorized('refresh token unknown', 'invalid_refresh_token');
    if (row.revokedAt) throw unauthorized('refresh token revoked: sign in again', 'revoked_refresh_token');
    if (row.replacedAt) {
      // Reuse of a rotated token: someone holds a copy. End the whole session (RFC 9700 §4.14.2).
      await this.revokeSessions([row.family], now);
      throw unauthorized('refresh token already used: the session has been ended, sign in again', 'reused_refresh_token');
    }
    if (row.expiresAt.getTime() <= now.getTime()) throw unauthorized('refresh token expired: sign in again', 'expired_refresh_token');
    const account = await this.d.repos.accounts.byId(row.accountId);
    if (!account || account.status !== 'active') throw unauthorized('account is not active', 'account_inactive');
    if (!(await this.d.repos.refresh.markReplaced(row.id, now))) {
      throw unauthorized('refresh token already used: sign in again', 'reused_refresh_token');
    }
    const dev = await this.d.repos.devices.get(row.accountId, row.deviceId);
    if (!dev) throw unauthorized('device was removed: sign in again', 'device_removed');
    return this.grant({ accountId: row.accountId, session: row.family, deviceId: row.deviceId }, dev.instanceId);
  }

  private async revokeSessions(families: readonly string[], at: Date): Promise<void> {
    for (const f of families) await this.d.repos.refresh.revokeFamily(f, at);
    await this.d.access.revokeSessions(families);
  }

  /** Sign-out: the device's sessions end and, if it held the SIP password, that password is rotated. */
  async signOut(auth: AuthContext): Promise<{ sipRevoked: boolean }> {
    const now = this.now();
    const families = await this.d.repos.refresh.revokeDevice(auth.deviceId, now);
    await this.d.access.revokeSessions([...new Set([...families, auth.session])]);
    return { sipRevoked: await this.revokeSip(auth.accountId, auth.deviceId) };
  }

  /** Removes a device: its sessions end, its SIP password copy is revoked, its row (push token) goes. */
  async removeDevice(accountId: number, deviceId: number): Promise<boolean> {
    const dev = await this.d.repos.devices.get(accountId, deviceId);
    if (!dev) return false;
    const families = await this.d.repos.refresh.revokeDevice(deviceId, this.now());
    await this.d.access.revokeSessions(families);
    await this.revokeSip(accountId, deviceId);
    return this.d.repos.devices.remove(accountId, deviceId);
  }

  /** Ends every session of the account but `keep` (password change/reset). */
  async endOtherSessions(accountId: number, keep = ''): Promise<void> {
    const families = await this.d.repos.refresh.revokeAccount(accountId, this.now(), keep);
    await this.d.access.revokeSessions(families);
  }

  private async revokeSip(accountId: number, deviceId: number): Promise<boolean> {
    const dev = await this.d.repos.devices.get(accountId, deviceId);
    if (!dev?.sipIssuedAt) return false;
    const account = await this.d.repos.accounts.byId(accountId);
    if (!account) return false;
    await this.d.repos.credentials.update(`${account.username}@${account.domain}`, { password: generatePassword() });
    await this.d.repos.devices.setSipIssued(deviceId, null);
    this.d.logger.info({ accountId, deviceId }, 'SIP password rotated: a device holding it signed out');
    return true;
  }

  /** The account's SIP identity and password (decrypted), handed to this device. */
  async sipCredentials(account: AccountView, deviceId: number): Promise<SipCredentials> {
    const password = await this.d.repos.credentials.sipPassword(`${account.username}@${account.domain}`);
    await this.d.repos.devices.setSipIssued(deviceId, this.now());
    const s = this.d.settings.sip;
    return {
      username: account.username, authUsername: account.username, domain: account.domain, realm: account.domain, password,
      aor: `sip:${account.username}@${account.domain}`, registrar: `sip:${s.host}:${s.port}`, wsUri: `ws://${s.host}:${s.wsPort}`,
    };
  }
}
