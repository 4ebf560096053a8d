// Versioned schema migrations: db/migrations/NNNN_name.sql, applied in order, each recorded in
// schema_migrations with its checksum. Re-running applies only new files; a changed applied file
// stops the run (history must not be rewritten: add a new migration instead).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection } from 'mariadb';

export interface Migration {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function readMigrations(dir: string): Migration[] {
  if (!fs.existsSync(dir)) throw new MigrationError(`migrations directory ${dir} does not exist`);
  const out: Migration[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new MigrationError(`${file}: migration files are named NNNN_name.sql (lower case)`);
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new MigrationError(`${file}: version ${m[1]} is used twice`);
    // The checksum covers the file as written (an @include line, not the included text), so an
    // upgrade of the package that ships the included schema does not count as a rewritten history.
    const sql = expandIncludes(text, file);
    out.push({ version, name: m[2], file, sql, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return out;
}

const INCLUDE_RE = /^--\s*@include\s+(\S+)\s+tables=([\w,]+)\s*$/gm;
const CREATE_RE = /^CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+)?(?:TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?|INDEX\s+\w+(?:\s+USING\s+\w+)?\s+ON\s+`?(\w+)`?)/i;

/**
 * `-- @include /path/schema.sql tables=a,b` takes the CREATE TABLE / CREATE INDEX statements of
 * those tables from a schema file a Debian package installs (e.g. ejabberd's), so a third
 * party's schema is used as shipped rather than copied into this repository.
 */
function expandIncludes(sql: string, file: string): string {
  return sql.replace(INCLUDE_RE, (_line, source: string, tables: string) => {
    if (!fs.existsSync(source)) {
      throw new MigrationError(`${file}: ${source} is missing (installed by a Debian package: run \`make deps\`)`);
    }
    const wanted = new Set(tables.split(',').filter(Boolean));
    const picked = splitStatements(fs.readFileSync(source, 'utf8')).filter((stmt) => {
      const m = CREATE_RE.exec(stmt);
      const table = m?.[1] ?? m?.[2];
      return table !== undefined && wanted.has(table);
    });
    const found = new Set(picked.map((stmt) => { const m = CREATE_RE.exec(stmt); return m?.[1]; }).filter(Boolean));
    for (const t of wanted) if (!found.has(t)) throw new MigrationError(`${file}: table ${t} is not in ${source}`);
    return picked.map((stmt) => `${stmt};`).join('\n');
  });
}

/** Statements of a migration file: split on ';' at line end, outside quotes; '--' comments dropped. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote) {
      cur += c;
      if (c === '\\') { cur += sql[++i] ?? ''; continue; }
      if (c === quote) quote = null;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      cur += '\n';
      continue;
    }
    if (c === "'" || c === '"' || c === '`') { quote = c; cur += c; continue; }
    if (c === ';') {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (quote) throw new MigrationError('unterminated quote in migration');
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const LOCK_NAME = 'openline_schema_migrations';

export interface MigrateResult {
  applied: Migration[];
  alreadyApplied: number;
}

/**
 * Apply the pending migrations of `dir` on `conn` (the target database selected). Serialised
 * across processes with GET_LOCK. MariaDB commits DDL implicitly, so a migration is recorded
 * right after its statements succeed; a failure names the file and statement.
 */
export async function migrate(conn: Connection, dir: string): Promise<MigrateResult> {
  const migrations = readMigrations(dir);
  const [lock] = await conn.query<Array<{ ok: number | null }>>('SELECT GET_LOCK(?, 30) AS ok', [LOCK_NAME]);
  if (Number(lock.ok) !== 1) throw new MigrationError('another migration run holds the lock');
  try {
    await conn.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INT UNSIGNED NOT NULL PRIMARY KEY,
      name VARCHAR(200) NOT NULL,
      checksum CHAR(64) NOT NULL,
      applied_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
    const rows = await conn.query<Array<{ version: number; name: string; checksum: string }>>(
      'SELECT version, name, checksum FROM schema_migrations ORDER BY version');
    const done = new Map(rows.map((r) => [Number(r.version), r]));
    for (const m of migrations) {
      const prior = done.get(m.version);
      if (prior && prior.checksum !== m.checksum) {
        throw new MigrationError(`${m.file} was changed after it was applied (checksum differs); `
          + 'restore it and add a new migration instead');
      }
    }
    const known = new Set(migrations.map((m) => m.version));
    for (const v of done.keys()) {
      if (!known.has(v)) throw new MigrationError(`database has migration ${v} that is not in ${dir}; is this checkout older than the database?`);
    }
    const applied: Migration[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      for (const stmt of splitStatements(m.sql)) {
        try {
          await conn.query(stmt);
        } catch (err) {
          throw new MigrationError(`${m.file}: ${(err as Error).message.split('\n')[0]}`);
        }
      }
      await conn.query('INSERT INTO schema_migrations (version, name, checksum) VALUES (?, ?, ?)',
        [m.version, m.name, m.checksum]);
      applied.push(m);
    }
    return { applied, alreadyApplied: migrations.length - applied.length };
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [LOCK_NAME]);
  }
}
