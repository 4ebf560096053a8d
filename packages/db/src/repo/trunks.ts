// SIP trunks to carriers: where OFFNET calls go and which source networks inbound calls may come from.
import { decryptSecret, encryptSecret } from '../crypto';
import { duplicate, ER_DUP_ENTRY, ER_ROW_IS_REFERENCED, inUse, invalid, notFound, sqlErrno } from '../errors';
import { Queryable, WriteResult, num } from '../queryable';
import { Transport, checkCidr, checkCodecs, checkHost, checkPort, checkTransport } from '../validate';

export interface Trunk {
  id: number;
  name: string;
  host: string;
  port: number;
  transport: Transport;
  authUser: string | null;
  hasAuthPassword: boolean;
  register: boolean;
  codecs: string[];
  inboundCidrs: string[];
  createdAt: Date;
}

export interface TrunkInput {
  host?: string;
  port?: number;
  transport?: string;
  authUser?: string | null;
  authPassword?: string | null;
  register?: boolean;
  codecs?: string[];
  inboundCidrs?: string[];
}

const PASSWORD_CONTEXT = 'trunk-auth-password';

interface TrunkDbRow {
  id: number; name: string; host: string; port: number; transport: Transport; auth_user: string | null;
  auth_password_enc: string | null; register: number; codecs: string; created_at: Date;
}

export class TrunkRepo {
  constructor(private readonly db: Queryable, private readonly key: string) {}

  private static checkName(name: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) throw invalid(`trunk name '${name}' must be 1..64 letters, digits, . _ -`);
    return name;
  }

  async add(name: string, input: TrunkInput & { host: string }): Promise<Trunk> {
    TrunkRepo.checkName(name);
    const host = checkHost(input.host);
    const port = checkPort(input.port ?? 5060);
    const transport = checkTransport(input.transport ?? 'udp');
    const codecs = checkCodecs(input.codecs ?? ['PCMU', 'PCMA']);
    const cidrs = (input.inboundCidrs ?? []).map(checkCidr);
    const register = input.register ?? false;
    if (register && !input.authUser) throw invalid('a registering trunk needs --auth-user');
    const sealed = input.authPassword ? encryptSecret(this.key, input.authPassword, PASSWORD_CONTEXT) : null;
    let id: number;
    try {
      const r = await this.db.query<WriteResult>(
        `INSERT INTO trunks (name, host, port, transport, auth_user, auth_password_enc, register, codecs)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        [name, host, port, transport, input.authUser ?? null, sealed, register ? 1 : 0, codecs.join(',')]);
      id = num(r.insertId);
    } catch (err) {
      if (sqlErrno(err) === ER_DUP_ENTRY) throw duplicate(`trunk ${name} already exists`);
      throw err;
    }
    await this.setCidrs(id, cidrs);
    return this.get(name);
  }

  private async setCidrs(id: number, cidrs: string[]): Promise<void> {
    await this.db.query('DELETE FROM trunk_sources WHERE trunk_id = ?', [id]);
    for (const cidr of new Set(cidrs)) await this.db.query('INSERT INTO trunk_sources (trunk_id, cidr) VALUES (?, ?)', [id, cidr]);
  }

  private async cidrsOf(ids: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (ids.length === 0) return out;
    const rows = await this.db.query<Array<{ trunk_id: number; cidr: string }>>(
      `SELECT trunk_id, cidr FROM trunk_sources WHERE trunk_id IN (${ids.map(() => '?').join(',')}) ORDER BY id`, ids);
    for (const r of rows) {
      const list = out.get(num(r.trunk_id)) ?? [];
      list.push(r.cidr);
      out.set(num(r.trunk_id), list);
    }
    return out;
  }

  private async rows(where: string, values: unknown[]): Promise<Trunk[]> {
    const rows = await this.db.query<TrunkDbRow[]>(
      `SELECT id, name, host, port, transport, auth_user, auth_password_enc, register, codecs, created_at FROM trunks ${where}`, values);
    const cidrs = await this.cidrsOf(rows.map((r) => num(r.id)));
    return rows.map((r) => ({
      id: num(r.id), name: r.name, host: r.host, port: num(r.port), transport: r.transport, authUser: r.auth_user,
      hasAuthPassword: r.auth_password_enc !== null, register: num(r.register) === 1,
      codecs: r.codecs.split(',').filter(Boolean), inboundCidrs: cidrs.get(num(r.id)) ?? [], createdAt: r.created_at,
    }));
  }

  list(): Promise<Trunk[]> {
    return this.rows('ORDER BY name', []);
  }

  async get(name: string): Promise<Trunk> {
    const [t] = await this.rows('WHERE name = ?', [name]);
    if (!t) throw notFound(`unknown trunk '${name}'`);
    return t;
  }

  async update(name: string, changes: TrunkInput): Promise<Trunk> {
    const t = await this.get(name);
    const sets: string[] = [];
    const values: unknown[] = [];
    const set = (col: string, v: unknown): void => { sets.push(`${col} = ?`); values.push(v); };
    if (changes.host !== undefined) set('host', checkHost(changes.host));
    if (changes.port !== undefined) set('port', checkPort(changes.port));
    if (changes.transport !== undefined) set('transport', checkTransport(changes.transport));
    if (changes.authUser !== undefined) set('auth_user', changes.authUser);
    if (changes.authPassword !== undefined) {
      set('auth_password_enc', changes.authPassword === null ? null : encryptSecret(this.key, changes.authPassword, PASSWORD_CONTEXT));
    }
    if (changes.register !== undefined) {
      if (changes.register && !(changes.authUser ?? t.authUser)) throw invalid('a registering trunk needs --auth-user');
      set('register', changes.register ? 1 : 0);
    }
    if (changes.codecs !== undefined) set('codecs', checkCodecs(changes.codecs).join(','));
    const cidrs = changes.inboundCidrs?.map(checkCidr);
    if (sets.length === 0 && cidrs === undefined) throw invalid('nothing to update');
    if (sets.length) {
      values.push(t.id);
      // Column names come from the fixed list above; every value is a parameter.
      await this.db.query(`UPDATE trunks SET ${sets.join(', ')} WHERE id = ?`, values);
    }
    if (cidrs !== undefined) await this.setCidrs(t.id, cidrs);
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    const t = await this.get(name);
    try {
      await this.db.query('DELETE FROM trunks WHERE id = ?', [t.id]);
    } catch (err) {
      if (sqlErrno(err) === ER_ROW_IS_REFERENCED) throw inUse(`trunk ${name} is used by dial-plan rules; remove them first`);
      throw err;
    }
  }

  /** The trunk's auth password in clear (for the B2BUA answering a carrier's challenge). */
  async authPassword(name: string): Promise<string | null> {
    const rows = await this.db.query<Array<{ auth_password_enc: string | null }>>(
      'SELECT auth_password_enc FROM trunks WHERE name = ?', [name]);
    if (!rows.length) throw notFound(`unknown trunk '${name}'`);
    const sealed = rows[0].auth_password_enc;
    return sealed === null ? null : decryptSecret(this.key, sealed, PASSWORD_CONTEXT);
  }
}

