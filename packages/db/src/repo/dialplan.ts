// Dial-plan rules: a dialled number's longest matching prefix picks the action; among rules with
// the same prefix the lowest priority value wins. ONNET = an account of ours, OFFNET = a trunk.
import { duplicate, ER_DUP_ENTRY, invalid, notFound, sqlErrno } from '../errors';
import { Queryable, WriteResult, num } from '../queryable';
import { checkPrefix } from '../validate';

export type DialAction = 'ONNET' | 'OFFNET';

export interface DialRule {
  id: number;
  prefix: string;
  action: DialAction;
  trunk: string | null;
  priority: number;
  description: string | null;
}

export interface DialRuleInput {
  prefix?: string;
  action?: string;
  trunk?: string | null;
  priority?: number;
  description?: string | null;
}

interface RuleDbRow { id: number; prefix: string; action: DialAction; trunk: string | null; priority: number; description: string | null }

const SELECT = `SELECT r.id, r.prefix, r.action, t.name AS trunk, r.priority, r.description
  FROM dialplan_rules r LEFT JOIN trunks t ON t.id = r.trunk_id`;

function toRule(r: RuleDbRow): DialRule {
  return { id: num(r.id), prefix: r.prefix, action: r.action, trunk: r.trunk, priority: num(r.priority), description: r.description };
}

function checkAction(v: string): DialAction {
  const a = v.toUpperCase();
  if (a !== 'ONNET' && a !== 'OFFNET') throw invalid(`action '${v}' must be ONNET or OFFNET`);
  return a;
}

function checkPriority(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > 1_000_000) throw invalid(`priority '${v}' must be an integer 0..1000000`);
  return v;
}

export class DialPlanRepo {
  constructor(private readonly db: Queryable) {}

  private async trunkId(name: string): Promise<number> {
    const rows = await this.db.query<Array<{ id: number }>>('SELECT id FROM trunks WHERE name = ?', [name]);
    if (!rows.length) throw notFound(`unknown trunk '${name}'`);
    return num(rows[0].id);
  }

  private static checkShape(action: DialAction, trunk: string | null): void {
    if (action === 'OFFNET' && !trunk) throw invalid('an OFFNET rule needs --trunk');
    if (action === 'ONNET' && trunk) throw invalid('an ONNET rule takes no trunk');
  }

  async add(input: DialRuleInput & { prefix: string; action: string }): Promise<DialRule> {
    const prefix = checkPrefix(input.prefix);
    const action = checkAction(input.action);
    const trunk = input.trunk ?? null;
    DialPlanRepo.checkShape(action, trunk);
    const priority = checkPriority(input.priority ?? 100);
    const trunkId = trunk === null ? null : await this.trunkId(trunk);
    try {
      const r = await this.db.query<WriteResult>(
        'INSERT INTO dialplan_rules (prefix, action, trunk_id, priority, description) VALUES (?, ?, ?, ?, ?)',
        [prefix, action, trunkId, priority, input.description ?? null]);
      return this.get(num(r.insertId));
    } catch (err) {
      if (sqlErrno(err) === ER_DUP_ENTRY) throw duplicate(`a rule for prefix '${prefix}' with priority ${priority} already exists`);
      throw err;
    }
  }

  async list(): Promise<DialRule[]> {
    return (await this.db.query<RuleDbRow[]>(`${SELECT} ORDER BY CHAR_LENGTH(r.prefix) DESC, r.prefix, r.priority`)).map(toRule);
  }

  async get(id: number): Promise<DialRule> {
    const rows = await this.db.query<RuleDbRow[]>(`${SELECT} WHERE r.id = ?`, [id]);
    if (!rows.length) throw notFound(`unknown dial-plan rule ${id}`);
    return toRule(rows[0]);
  }

  async update(id: number, changes: DialRuleInput): Promise<DialRule> {
    const cur = await this.get(id);
    const action = changes.action === undefined ? cur.action : checkAction(changes.action);
    const trunk = changes.trunk === undefined ? (action === 'ONNET' ? null : cur.trunk) : changes.trunk;
    DialPlanRepo.checkShape(action, trunk);
    const prefix = changes.prefix === undefined ? cur.prefix : checkPrefix(changes.prefix);
    const priority = changes.priority === undefined ? cur.priority : checkPriority(changes.priority);
    const description = changes.description === undefined ? cur.description : changes.description;
    const trunkId = trunk === null ? null : await this.trunkId(trunk);
    try {
      await this.db.query('UPDATE dialplan_rules SET prefix = ?, action = ?, trunk_id = ?, priority = ?, description = ? WHERE id = ?',
        [prefix, action, trunkId, priority, description, id]);
    } catch (err) {
      if (sqlErrno(err) === ER_DUP_ENTRY) throw duplicate(`a rule for prefix '${prefix}' with priority ${priority} already exists`);
      throw err;
    }
    return this.get(id);
  }

  async remove(id: number): Promise<void> {
    await this.get(id);
    await this.db.query('DELETE FROM dialplan_rules WHERE id = ?', [id]);
  }

  /** The rule for a dialled number: longest prefix, then lowest priority value. */
  async match(dialled: string): Promise<DialRule | undefined> {
    const rows = await this.db.query<RuleDbRow[]>(
      `${SELECT} WHERE ? LIKE CONCAT(r.prefix, '%') ORDER BY CHAR_LENGTH(r.prefix) DESC, r.priority LIMIT 1`, [dialled]);
    return rows.length ? toRule(rows[0]) : undefined;
  }
}
