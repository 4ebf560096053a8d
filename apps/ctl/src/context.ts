// What every command gets: the repositories on one MariaDB connection, and the output.
import type { AccountRepo, ApiKeyRepo, DialPlanRepo, NumberRepo, TrunkRepo } from '@openline/db';
import type { Output } from './output';

export interface CliContext {
  accounts: AccountRepo;
  numbers: NumberRepo;
  trunks: TrunkRepo;
  dialplan: DialPlanRepo;
  apiKeys: ApiKeyRepo;
  out: Output;
}

export type Handler = (ctx: CliContext, args: string[]) => Promise<void>;

export interface CommandGroup {
  /** One line per subcommand, for `ctl help`. */
  help: readonly string[];
  handlers: Readonly<Record<string, Handler>>;
}
