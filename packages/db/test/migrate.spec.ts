import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRootDir } from '@openline/config';
import { MigrationError, readMigrations, splitStatements } from '../src/migrate';

const made: string[] = [];
function track(dir: string): string {
  made.push(dir);
  return dir;
}
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

function dirWith(files: Record<string, string>): string {
  const d = track(fs.mkdtempSync(path.join(os.tmpdir(), 'openline-mig-')));
  for (const [n, t] of Object.entries(files)) fs.writeFileSync(path.join(d, n), t);
  return d;
}

describe('migrations: reading files', () => {
  it('orders NNNN_name.sql files by version and checksums their content', () => {
    const d = dirWith({ '0002_b.sql': 'SELECT 2;', '0001_a.sql': 'SELECT 1;', 'README.md': 'x' });
    const m = readMigrations(d);
    assert.deepEqual(m.map((x) => [x.version, x.name]), [[1, 'a'], [2, 'b']]);
    assert.match(m[0].checksum, /^[0-9a-f]{64}$/);
    assert.notEqual(m[0].checksum, m[1].checksum);
  });

  it('refuses a badly named file and a duplicate version', () => {
    assert.throws(() => readMigrations(dirWith({ '1_a.sql': '' })), MigrationError);
    assert.throws(() => readMigrations(dirWith({ '0001_a.sql': '', '0001_b.sql': '' })), /used twice/);
  });

  it('reads the project migrations (db/migrations), starting at 0001_core', () => {
    const m = readMigrations(path.join(findRootDir(__dirname), 'db', 'migrations'));
    assert.equal(m[0].file, '0001_core.sql');
  });
});

describe('migrations: splitting statements', () => {
  it('splits on semicolons outside quotes and drops -- comments', () => {
    const sql = "-- head; comment\nCREATE TABLE a (x INT); -- tail;\nINSERT INTO a VALUES (1);\nSELECT 'a;b', \"c;d\", `e;f`;";
    assert.deepEqual(splitStatements(sql), [
      'CREATE TABLE a (x INT)', 'INSERT INTO a VALUES (1)', "SELECT 'a;b', \"c;d\", `e;f`",
    ]);
  });

  it('keeps backslash escapes inside strings', () => {
    assert.deepEqual(splitStatements("SELECT '^\\\\+[0-9]';SELECT 'it\\'s;'"), ["SELECT '^\\\\+[0-9]'", "SELECT 'it\\'s;'"]);
  });

  it('refuses an unterminated quote', () => {
    assert.throws(() => splitStatements("SELECT 'oops"), /unterminated/);
  });
});
