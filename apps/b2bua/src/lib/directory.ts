// What routing reads from MariaDB: accounts (by username, phone, extension, DID), trunks (by
// source CIDR and by dial-plan prefix) and sleeping devices. Trunk sources are cached briefly:
// every inbound call consults them before anything else.
import { BlockList, isIPv6 } from 'node:net';
import { decryptSecret, isBlocked, num, type Queryable } from '@openline/db';
import type { Ha1Set } from '@openline/sip-auth';
import type { AsleepDevice } from './push';

export interface AccountRow {
  id: number;
  username: string;
  domain: string;
  phone: string | null;
  extension: string | null;
  displayName: string | null;
  country: string | null;
  active: boolean;
  maxCalls: number | null;
}

export interface AccountCredentialsRow extends AccountRow {
  ha1: Ha1Set;
}

export interface TrunkRow {
  id: number;
  name: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  authUser: string | null;
  codecs: string[];
  maxCalls: number | null;
}

interface AccountDb {
  id: number; username: string; domain: string; phone: string | null; extension: string | null;
  display_name: string | null; country: string | null; status: string; max_calls: number | null;
  ha1_md5?: string; ha1_sha256?: string;
}

interface TrunkDb {
  id: number; name: string; host: string; port: number; transport: 'udp' | 'tcp' | 'tls'; auth_user: string | null;
  codecs: string; max_calls: number | null;
}

const ACCOUNT = `SELECT a.id, a.username, d.name AS domain, a.phone, a.extension, a.display_name, a.country,
  a.status, a.max_calls FROM accounts a JOIN domains d ON d.id = a.domain_id`;
const TRUNK = 'SELECT t.id, t.name, t.host, t.port, t.transport, t.auth_user, t.codecs, t.max_calls FROM trunks t';

function toAccount(r: AccountDb): AccountRow {
  return {
    id: num(r.id), username: r.username, domain: r.domain, phone: r.phone, extension: r.extension,
    displayName: r.display_name, country: r.country, active: r.status === 'active',
    maxCalls: r.max_calls === null ? null : num(r.max_calls),
  };
}

function toTrunk(r: TrunkDb): TrunkRow {
  return {
    id: num(r.id), name: r.name, host: r.host, port: num(r.port), transport: r.transport, authUser: r.auth_user,
    codecs: r.codecs.split(',').map((c) => c.trim()).filter(Boolean), maxCalls: r.max_calls === null ? null : num(r.max_calls),
  };
}

interface SourceEntry {
  list: BlockList;
  trunk: TrunkRow;
}

const TRUNK_PASSWORD_CONTEXT = 'trunk-auth-password';

/**
 * Found rows kept for a short while (only hits: a new account or number is seen at once, a change
 * after at most ttlMs): a busy DID or dial-plan prefix then costs one query per ttlMs, not per call.
 */
class HitCache<T> {
  private readonly map = new Map<string, { value: T; until: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number) {}

  async get(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    if (this.ttlMs <= 0) return load();
    const t = this.now();
    const hit = this.map.get(key);
    if (hit && hit.until > t) return hit.value;
    const value = await load();
    if (value === undefined) {
      this.map.delete(key);
      return undefined;
    }
    if (this.map.size >= 10_000) this.map.clear();
    this.map.set(key, { value, until: t + this.ttlMs });
    return value;
  }
}

export class Directory {
  private sources: { at: number; entries: SourceEntry[] } | undefined;
  private readonly hits: HitCache<AccountRow>;
  private readonly plans: HitCache<{ action: 'ONNET' } | { action: 'OFFNET'; trunks: TrunkRow[] }>;

  constructor(private readonly db: Queryable, private readonly sipPasswordKey: string,
    private readonly sourceCacheMs = 5000, private readonly now: () => number = Date.now, cacheMs = 2000) {
    this.hits = new HitCache(cacheMs, now);
    this.plans = new HitCache(cacheMs, now);
  }

  /** True when account `blockerId` has blocked account `blockedId` (never cached: an unblock applies at once). */
  isBlocked(blockerId: number, blockedId: number): Promise<boolean> {
    return isBlocked(this.db, blockerId, blockedId);
  }

  /** Credentials and profile of an account in a domain (digest realm = domain). */
  async credentials(username: string, domain: string): Promise<AccountCredentialsRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(
      `SELECT a.id, a.username, d.name AS domain, a.phone, a.extension, a.display_name, a.country, a.status, a.max_calls,
         a.ha1_md5, a.ha1_sha256 FROM accounts a JOIN domains d ON d.id = a.domain_id WHERE d.name = ? AND a.username = ?`,
      [domain.toLowerCase(), username]);
    const r = rows[0];
    return r ? { ...toAccount(r), ha1: { MD5: r.ha1_md5 ?? '', 'SHA-256': r.ha1_sha256 ?? '' } } : undefined;
  }

  accountByUsername(username: string, domain: string): Promise<AccountRow | undefined> {
    return this.hits.get(`u:${domain.toLowerCase()}:${username}`, () => this.queryByUsername(username, domain));
  }

  private async queryByUsername(username: string, domain: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(`${ACCOUNT} WHERE d.name = ? AND a.username = ?`, [domain.toLowerCase(), username]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async accountByExtension(extension: string, domain: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(`${ACCOUNT} WHERE d.name = ? AND a.extension = ?`, [domain.toLowerCase(), extension]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** The account whose own phone number this is (RCS: logins are E.164 numbers). */
  async accountByPhone(e164: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(`${ACCOUNT} WHERE a.phone = ?`, [e164]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** The account a DID (numbers table) routes to. */
  accountByDid(e164: string): Promise<AccountRow | undefined> {
    return this.hits.get(`d:${e164}`, () => this.queryByDid(e164));
  }

  private async queryByDid(e164: string): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(`${ACCOUNT} JOIN numbers n ON n.account_id = a.id WHERE n.e164 = ?`, [e164]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async accountById(id: number): Promise<AccountRow | undefined> {
    const rows = await this.db.query<AccountDb[]>(`${ACCOUNT} WHERE a.id = ?`, [id]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** First DID of an account: its caller number towards trunks when it has no phone. */
  async firstDid(accountId: number): Promise<string | undefined> {
    const rows = await this.db.query<Array<{ e164: string }>>('SELECT e164 FROM numbers WHERE account_id = ? ORDER BY id LIMIT 1', [accountId]);
    return rows[0]?.e164;
  }

  /**
   * The dial-plan decision for an E.164 number: the longest matching prefix wins (then the lowest
   * priority value); for OFFNET, every OFFNET rule that matches, longest prefix and lowest
   * priority first, gives the trunks to try in order (failover).
   */
  dialPlan(e164: string): Promise<{ action: 'ONNET' } | { action: 'OFFNET'; trunks: TrunkRow[] } | undefined> {
    return this.plans.get(e164, () => this.queryDialPlan(e164));
  }

  private async queryDialPlan(e164: string): Promise<{ action: 'ONNET' } | { action: 'OFFNET'; trunks: TrunkRow[] } | undefined> {
    const digits = e164.replace(/^\+/, '');
    const rows = await this.db.query<Array<{ action: 'ONNET' | 'OFFNET'; trunk_id: number | null }>>(
      `SELECT r.action, r.trunk_id FROM dialplan_rules r
       WHERE ? LIKE CONCAT(r.prefix, '%') OR (r.prefix NOT LIKE '+%' AND ? LIKE CONCAT(r.prefix, '%'))
       ORDER BY CHAR_LENGTH(REPLACE(r.prefix, '+', '')) DESC, r.priority`, [e164, digits]);
    if (rows.length === 0) return undefined;
    if (rows[0].action === 'ONNET') return { action: 'ONNET' };
    const ids = [...new Set(rows.filter((r) => r.action === 'OFFNET' && r.trunk_id !== null).map((r) => num(r.trunk_id)))];
    if (ids.length === 0) return { action: 'OFFNET', trunks: [] };
    const trunks = (await this.db.query<TrunkDb[]>(`${TRUNK} WHERE t.id IN (${ids.map(() => '?').join(',')})`, ids)).map(toTrunk);
    return { action: 'OFFNET', trunks: ids.map((id) => trunks.find((t) => t.id === id)).filter((t): t is TrunkRow => t !== undefined) };
  }

  /** The trunk whose inbound CIDRs contain the address (trunk_sources). */
  async trunkBySource(address: string): Promise<TrunkRow | undefined> {
    const t = this.now();
    if (!this.sources || t - this.sources.at > this.sourceCacheMs) {
      const rows = await this.db.query<Array<TrunkDb & { cidr: string }>>(
        `${TRUNK.replace('FROM trunks t', ', s.cidr FROM trunks t JOIN trunk_sources s ON s.trunk_id = t.id')} ORDER BY s.id`);
      const entries: SourceEntry[] = [];
      for (const r of rows) {
        const [net, bits] = r.cidr.split('/');
        const list = new BlockList();
        const type = isIPv6(net) ? 'ipv6' : 'ipv4';
        try {
          list.addSubnet(net, bits === undefined ? (type === 'ipv6' ? 128 : 32) : Number(bits), type);
        } catch {
          continue; // a malformed CIDR never matches
        }
        entries.push({ list, trunk: toTrunk(r) });
      }
      this.sources = { at: t, entries };
    }
    const type = isIPv6(address) ? 'ipv6' : 'ipv4';
    return this.sources.entries.find((e) => e.list.check(address, type))?.trunk;
  }

  /** The trunk's auth password in clear (for srf's digest client towards the carrier). */
  async trunkPassword(trunkId: number): Promise<string | null> {
    const rows = await this.db.query<Array<{ auth_password_enc: string | null }>>('SELECT auth_password_enc FROM trunks WHERE id = ?', [trunkId]);
    const sealed = rows[0]?.auth_password_enc ?? null;
    return sealed === null ? null : decryptSecret(this.sipPasswordKey, sealed, TRUNK_PASSWORD_CONTEXT);
  }

  /** Devices of an account with push parameters (RFC 8599), by instance. */
  async pushDevices(accountId: number): Promise<AsleepDevice[]> {
    const rows = await this.db.query<Array<{ instance_id: string; push_provider: string; push_prid: string; push_param: string | null }>>(
      `SELECT instance_id, push_provider, push_prid, push_param FROM devices
       WHERE account_id = ? AND push_provider IS NOT NULL AND push_prid IS NOT NULL`, [accountId]);
    return rows.map((r) => ({
      instance: r.instance_id.replace(/^<|>$/g, ''), provider: r.push_provider, prid: r.push_prid,
      ...(r.push_param ? { param: r.push_param } : {}),
    }));
  }
}
