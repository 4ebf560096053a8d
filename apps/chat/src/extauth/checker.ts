// Answers ejabberd's questions about users from the product's accounts: the same username, domain
// and web password (scrypt hash, checked with @openline/db's verifyPassword). Only active
// accounts sign in. The glue's REST API user is answered from its derived password.
import { timingSafeEqual } from 'node:crypto';
import { verifyPassword } from '@openline/db';
import type { Pool } from 'mariadb';
import type { ExtauthRequest } from './protocol';

export interface ExtauthOptions {
  apiUser: string;
  apiPassword: string;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export class AccountChecker {
  constructor(private readonly db: Pick<Pool, 'query'>, private readonly opts: ExtauthOptions) {}

  private async hashOf(user: string, server: string): Promise<string | null | undefined> {
    const rows = await this.db.query<Array<{ password_hash: string | null }>>(
      `SELECT a.password_hash FROM accounts a JOIN domains d ON d.id = a.domain_id
        WHERE a.username = ? AND d.name = ? AND a.status = 'active'`, [user, server.toLowerCase()]);
    return rows.length ? rows[0].password_hash : undefined;
  }

  async answer(req: ExtauthRequest): Promise<boolean> {
    if (req.op === 'unsupported') return false;
    if (req.user === this.opts.apiUser) {
      return req.op === 'isuser' || sameSecret(req.password, this.opts.apiPassword);
    }
    const hash = await this.hashOf(req.user, req.server);
    if (req.op === 'isuser') return hash !== undefined;
    return typeof hash === 'string' && verifyPassword(req.password, hash);
  }
}
