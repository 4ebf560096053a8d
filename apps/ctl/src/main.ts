// `ctl` (bin/ctl): provisioning from the command line: accounts, numbers, trunks, dial plan.
// Reads the same config as the stack (config/openline.yaml, OPENLINE_* variables, or --config),
// so it finds MariaDB on the run's port and the secrets in <dataDir>/secrets.json.
import { loadConfig, resolveSecrets } from '@openline/config';
import {
  AccountRepo, ApiKeyRepo, createDbConnection, dbOptionsFrom, DialPlanRepo, NumberRepo, TrunkRepo,
} from '@openline/db';
import { createLogger } from '@openline/log';
import { accountCommands } from './commands/accounts';
import { apiKeyCommands } from './commands/apikeys';
import { dialplanCommands } from './commands/dialplan';
import { numberCommands } from './commands/numbers';
import { trunkCommands } from './commands/trunks';
import { CommandGroup } from './context';
import { CliError, exitCodeOf, usage } from './errors';
import { output } from './output';

const GROUPS: Readonly<Record<string, CommandGroup>> = {
  account: accountCommands,
  number: numberCommands,
  trunk: trunkCommands,
  dialplan: dialplanCommands,
  apikey: apiKeyCommands,
};

function help(): string {
  const lines = ['usage: ctl [--json] [--config FILE] <group> <command> [args]', ''];
  for (const g of Object.values(GROUPS)) for (const h of g.help) lines.push(`  ${h}`);
  lines.push('', 'Exit codes: 0 ok, 1 refused (duplicate, unknown, in use), 2 bad usage or input, 3 no database or bad config.');
  return lines.join('\n') + '\n';
}

/** Global flags may appear anywhere; they are taken out before the command's own parsing. */
function takeGlobals(argv: string[]): { json: boolean; config?: string; rest: string[] } {
  const rest: string[] = [];
  let json = false;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--config') config = argv[++i];
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else rest.push(a);
  }
  return { json, config, rest };
}

export async function main(argv: string[]): Promise<number> {
  const log = createLogger({ component: 'ctl', level: 'warn', destination: 2 });
  const { json, config: configFile, rest } = takeGlobals(argv);
  const [group, command, ...args] = rest;
  if (!group || group === 'help' || group === '--help' || group === '-h') {
    process.stdout.write(help());
    return group ? 0 : 2;
  }
  let conn;
  try {
    const g = GROUPS[group];
    if (!g) throw usage(`unknown group '${group}' (${Object.keys(GROUPS).join(', ')})`);
    const handler = command ? g.handlers[command] : undefined;
    if (!handler) throw usage(`unknown command '${group} ${command ?? ''}'; try: ${Object.keys(g.handlers).join(', ')}`);
    const { config } = loadConfig({ configFile, env: process.env });
    const secrets = resolveSecrets(config, { write: false });
    const opts = dbOptionsFrom(config, secrets);
    try {
      conn = await createDbConnection({ host: opts.host, port: opts.port, user: opts.user, password: opts.password, database: opts.database });
    } catch (err) {
      const e = err as { code?: string; message: string };
      throw new CliError(`cannot connect to MariaDB at ${opts.host}:${opts.port} (${e.code ?? e.message.split('\n')[0]}); is the stack running? (make run)`, 3);
    }
    const accounts = new AccountRepo(conn, secrets.sipPasswordKey, config.sip.domain);
    await handler({
      accounts,
      numbers: new NumberRepo(conn, accounts),
      trunks: new TrunkRepo(conn, secrets.sipPasswordKey),
      dialplan: new DialPlanRepo(conn),
      apiKeys: new ApiKeyRepo(conn),
      out: output(json),
    }, args);
    return 0;
  } catch (err) {
    const { message, code } = exitCodeOf(err);
    if (!(err instanceof Error) || err.name === 'Error' || err.name === 'SqlError') log.warn({ err }, 'unexpected error');
    const text = message.startsWith('ctl: ') || message.startsWith('config: ') ? message : `ctl: ${message}`;
    process.stderr.write(json ? JSON.stringify({ ok: false, error: text }) + '\n' : `${text}\n`);
    return code;
  } finally {
    if (conn) await conn.end().catch(() => undefined);
    await new Promise<void>((r) => log.flush(() => r()));
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
