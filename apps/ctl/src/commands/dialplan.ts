// ctl dialplan add|list|update|remove|match
import { int, nullable, parse, str } from '../args';
import { CommandGroup } from '../context';
import { CliError, usage } from '../errors';

const COLUMNS = ['id', 'prefix', 'action', 'trunk', 'priority', 'description'];

const FLAGS = {
  prefix: { type: 'string' }, action: { type: 'string' }, trunk: { type: 'string' }, priority: { type: 'string' },
  description: { type: 'string' },
} as const;

function ruleId(s: string): number {
  if (!/^\d+$/.test(s)) throw usage(`rule id must be a number, got '${s}'`);
  return Number(s);
}

export const dialplanCommands: CommandGroup = {
  help: [
    'dialplan add --prefix P --action ONNET|OFFNET [--trunk NAME] [--priority 100] [--description T]',
    'dialplan list',
    'dialplan update ID [--prefix P] [--action A] [--trunk NAME|""] [--priority N] [--description T|""]',
    'dialplan remove ID',
    'dialplan match NUMBER   (which rule a dialled number takes)',
  ],
  handlers: {
    add: async (ctx, args) => {
      const { values: v } = parse(args, FLAGS, 0);
      const prefix = str(v, 'prefix');
      const action = str(v, 'action');
      if (prefix === undefined || action === undefined) throw usage('dialplan add needs --prefix and --action');
      ctx.out.one({ ...(await ctx.dialplan.add({
        prefix, action, trunk: str(v, 'trunk'), priority: int(v, 'priority'), description: str(v, 'description'),
      })) }, COLUMNS);
    },
    list: async (ctx, args) => {
      parse(args, {}, 0);
      ctx.out.list((await ctx.dialplan.list()).map((r) => ({ ...r })), COLUMNS);
    },
    update: async (ctx, args) => {
      const { values: v, positionals: [id] } = parse(args, FLAGS, 1);
      ctx.out.one({ ...(await ctx.dialplan.update(ruleId(id), {
        prefix: str(v, 'prefix'), action: str(v, 'action'), trunk: nullable(v, 'trunk'), priority: int(v, 'priority'),
        description: nullable(v, 'description'),
      })) }, COLUMNS);
    },
    remove: async (ctx, args) => {
      const { positionals: [id] } = parse(args, {}, 1);
      await ctx.dialplan.remove(ruleId(id));
      ctx.out.done(`removed dial-plan rule ${id}`);
    },
    match: async (ctx, args) => {
      const { positionals: [number] } = parse(args, {}, 1);
      const r = await ctx.dialplan.match(number);
      if (!r) throw new CliError(`no dial-plan rule matches ${number}`, 1);
      ctx.out.one({ ...r }, COLUMNS);
    },
  },
};
