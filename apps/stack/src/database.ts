// First-start database work: the application database and user (as MariaDB root over the private
// socket), then the schema migrations (as the application user over TCP).
import * as mariadb from 'mariadb';
import { createDbConnection, dbOptionsFrom, migrate, migrationsDir, MigrateResult } from '@openline/db';
import { StackError } from './errors';
import type { StackContext } from './service';

export async function bootstrapDatabase(ctx: StackContext, socketPath: string): Promise<MigrateResult> {
  const { name, user } = ctx.config.database;
  // Identifiers cannot be bound as parameters; both are validated by the config schema
  // ([A-Za-z0-9_] only), so quoting them in backticks is safe.
  const root = await mariadb.createConnection({ socketPath, user: 'root' });
  try {
    await root.query(`CREATE DATABASE IF NOT EXISTS \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await root.query("CREATE USER IF NOT EXISTS ?@'127.0.0.1' IDENTIFIED BY ?", [user, ctx.secrets.databasePassword]);
    await root.query("ALTER USER ?@'127.0.0.1' IDENTIFIED BY ?", [user, ctx.secrets.databasePassword]);
    await root.query(`GRANT ALL PRIVILEGES ON \`${name}\`.* TO ?@'127.0.0.1'`, [user]);
    // Scratch databases named <name>_* (tests of the migration runner, tools).
    await root.query(`GRANT ALL PRIVILEGES ON \`${name}\\_%\`.* TO ?@'127.0.0.1'`, [user]);
  } finally {
    await root.end().catch(() => undefined);
  }
  const opts = dbOptionsFrom(ctx.config, ctx.secrets);
  const conn = await createDbConnection({ host: opts.host, port: opts.port, user: opts.user, password: opts.password, database: opts.database });
  try {
    return await migrate(conn, migrationsDir(ctx.rootDir));
  } catch (err) {
    throw new StackError(`database migration failed: ${(err as Error).message}`);
  } finally {
    await conn.end().catch(() => undefined);
  }
}
