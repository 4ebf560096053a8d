// ctl number add|list|show|update|remove
import { nullable, parse, str } from '../args';
import { CommandGroup } from '../context';
import { usage } from '../errors';

const COLUMNS = ['e164', 'account', 'description', 'createdAt'];

export const numberCommands: CommandGroup = {
  help: [
    'number add +E164 --account USER[@DOMAIN] [--description T]',
    'number list [--account USER[@DOMAIN]]',
    'number show +E164',
    'number update +E164 [--account USER[@DOMAIN]] [--description T|""]',
    'number remove +E164',
  ],
  handlers: {
    add: async (ctx, args) => {
      const { values: v, positionals: [e164] } = parse(args, { account: { type: 'string' }, description: { type: 'string' } }, 1);
      const account = str(v, 'account');
      if (!account) throw usage('number add needs --account USER[@DOMAIN]');
      ctx.out.one({ ...(await ctx.numbers.add(e164, account, str(v, 'description'))) }, COLUMNS);
    },
    list: async (ctx, args) => {
      const { values: v } = parse(args, { account: { type: 'string' } }, 0);
      ctx.out.list((await ctx.numbers.list({ account: str(v, 'account') })).map((n) => ({ ...n })), COLUMNS);
    },
    show: async (ctx, args) => {
      const { positionals: [e164] } = parse(args, {}, 1);
      ctx.out.one({ ...(await ctx.numbers.get(e164)) }, COLUMNS);
    },
    update: async (ctx, args) => {
      const { values: v, positionals: [e164] } = parse(args, { account: { type: 'string' }, description: { type: 'string' } }, 1);
      const changes = { account: str(v, 'account'), description: nullable(v, 'description') };
      if (changes.account === undefined && changes.description === undefined) throw usage('nothing to update');
      ctx.out.one({ ...(await ctx.numbers.update(e164, changes)) }, COLUMNS);
    },
    remove: async (ctx, args) => {
      const { positionals: [e164] } = parse(args, {}, 1);
      await ctx.numbers.remove(e164);
      ctx.out.done(`removed number ${e164}`);
    },
  },
};
