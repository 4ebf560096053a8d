// The migration runner against the real MariaDB of the shared stack, in a scratch database:
// applies in order, records each file, is idempotent, refuses an edited applied file.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection, createDbConnection, dbOptionsFrom, migrate, MigrationError } from '@openline/db';
import { StackHandle } from '@openline/stack';
import { getSharedStack, tempDataDir } from '../support/stack';

describe('migrations: runner on a real MariaDB', function () {
  this.timeout(30000);
  let stack: StackHandle;
  let conn: Connection;
  let dir: string;
  let db: string;

  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
    // The application user may create <name>_* scratch databases.
    db = `${stack.config.database.name}_mig${process.pid}`;
    const opts = dbOptionsFrom(stack.config, stack.secrets);
    conn = await createDbConnection({ host: opts.host, port: opts.port, user: opts.user, password: opts.password, database: opts.database });
    await conn.query(`CREATE DATABASE \`${db}\``);
    await conn.query(`USE \`${db}\``);
    dir = tempDataDir('mig');
    fs.writeFileSync(path.join(dir, '0001_first.sql'), 'CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\n');
    fs.writeFileSync(path.join(dir, '0002_second.sql'), "-- adds b\nCREATE TABLE b (s VARCHAR(10) DEFAULT 'x;y');\n");
  });

  after(async () => {
    if (conn) {
      await conn.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
      await conn.end();
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies pending files in version order and records them', async () => {
    const r = await migrate(conn, dir);
    assert.deepEqual(r.applied.map((m) => m.file), ['0001_first.sql', '0002_second.sql']);
    const rows = await conn.query<Array<{ version: number; name: string }>>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((x) => [x.version, x.name]), [[1, 'first'], [2, 'second']]);
    const [b] = await conn.query<Array<{ d: string }>>(
      "SELECT column_default AS d FROM information_schema.columns WHERE table_schema = ? AND table_name = 'b'", [db]);
    assert.equal(b.d, "'x;y'");
  });

  it('is idempotent: a second run applies nothing and changes no data', async () => {
    const r = await migrate(conn, dir);
    assert.deepEqual([r.applied.length, r.alreadyApplied], [0, 2]);
    const [row] = await conn.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM a');
    assert.equal(Number(row.n), 1);
  });

  it('applies only a newly added file', async () => {
    fs.writeFileSync(path.join(dir, '0003_third.sql'), 'ALTER TABLE a ADD COLUMN note VARCHAR(20) NULL;\n');
    const r = await migrate(conn, dir);
    assert.deepEqual(r.applied.map((m) => m.version), [3]);
  });

  it('refuses to run when an applied file was changed (checksum differs)', async () => {
    fs.appendFileSync(path.join(dir, '0001_first.sql'), 'INSERT INTO a VALUES (2);\n');
    await assert.rejects(migrate(conn, dir), (err: unknown) => {
      assert.ok(err instanceof MigrationError);
      assert.match(err.message, /^0001_first\.sql was changed after it was applied/);
      return true;
    });
    const [row] = await conn.query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM a');
    assert.equal(Number(row.n), 1, 'nothing of the edited file ran');
  });

  it('names the file when a statement fails and does not record it', async () => {
    const bad = tempDataDir('migbad');
    try {
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(bad, f));
      fs.writeFileSync(path.join(bad, '0001_first.sql'), 'CREATE TABLE a (id INT PRIMARY KEY);\nINSERT INTO a VALUES (1);\n');
      fs.writeFileSync(path.join(bad, '0004_broken.sql'), 'CREATE TABLE c (id INT PRIMARY KEY;\n');
      await assert.rejects(migrate(conn, bad), /^MigrationError: 0004_broken\.sql: .*SQL syntax/);
      const rows = await conn.query<Array<{ version: number }>>('SELECT version FROM schema_migrations WHERE version = 4');
      assert.equal(rows.length, 0);
    } finally {
      fs.rmSync(bad, { recursive: true, force: true });
    }
  });
});
