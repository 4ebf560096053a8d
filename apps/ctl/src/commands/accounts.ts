// ctl account add|list|show|update|remove
import { Account, generatePassword } from '@openline/db';
import { nullable, parse, str } from '../args';
import { CommandGroup } from '../context';
import { usage } from '../errors';

const COLUMNS = ['username', 'domain', 'phone', 'email', 'displayName', 'country', 'status', 'createdAt'];

const FIELDS = {
  phone: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, country: { type: 'string' },
  status: { type: 'string' }, 'web-password': { type: 'string' },
} as const;

function row(a: Account): Record<string, unknown> {
  return { ...a };
}

export const accountCommands: CommandGroup = {
  help: [
    'account add USER[@DOMAIN] [--password P] [--web-password P] [--phone +E164] [--email E] [--name N] [--country CC] [--status S]',
    '    (without --password a SIP password is generated and printed once)',
    'account list [--domain D]',
    'account show USER[@DOMAIN]',
    'account update USER[@DOMAIN] [--password P | --generate-password] [--web-password P] [--phone +E164|""] [--email E|""] [--name N|""] [--country CC|""] [--status S]',
    'account remove USER[@DOMAIN]',
  ],
  handlers: {
    add: async (ctx, args) => {
      const { values: v, positionals: [ref] } = parse(args, { ...FIELDS, password: { type: 'string' } }, 1);
      const [username, domain] = ctx.accounts.parseRef(ref);
      const { account, password } = await ctx.accounts.add({
        username, domain, password: str(v, 'password'), webPassword: str(v, 'web-password'), phone: str(v, 'phone'),
        email: str(v, 'email'), displayName: str(v, 'name'), country: str(v, 'country'), status: str(v, 'status'),
      });
      const generated = str(v, 'password') === undefined;
      ctx.out.one({ ...row(account), ...(generated ? { password } : {}) }, COLUMNS,
        generated ? `SIP password (shown once): ${password}` : undefined);
    },
    list: async (ctx, args) => {
      const { values: v } = parse(args, { domain: { type: 'string' } }, 0);
      ctx.out.list((await ctx.accounts.list({ domain: str(v, 'domain') })).map(row), COLUMNS);
    },
    show: async (ctx, args) => {
      const { positionals: [ref] } = parse(args, {}, 1);
      ctx.out.one(row(await ctx.accounts.get(ref)), [...COLUMNS, 'hasWebPassword', 'updatedAt']);
    },
    update: async (ctx, args) => {
      const { values: v, positionals: [ref] } = parse(args, {
        ...FIELDS, password: { type: 'string' }, 'generate-password': { type: 'boolean' },
      }, 1);
      if (v['generate-password'] && v.password !== undefined) throw usage('give --password or --generate-password, not both');
      const password = v['generate-password'] ? generatePassword() : str(v, 'password');
      const status = str(v, 'status');
      const { account } = await ctx.accounts.update(ref, {
        password, webPassword: str(v, 'web-password'), phone: nullable(v, 'phone'), email: nullable(v, 'email'),
        displayName: nullable(v, 'name'), country: nullable(v, 'country'), status,
      });
      const shown = v['generate-password'] === true;
      ctx.out.one({ ...row(account), ...(shown ? { password } : {}) }, COLUMNS,
        shown ? `New SIP password (shown once): ${password}` : undefined);
    },
    remove: async (ctx, args) => {
      const { positionals: [ref] } = parse(args, {}, 1);
      const a = await ctx.accounts.get(ref);
      await ctx.accounts.remove(ref);
      ctx.out.done(`removed account ${a.username}@${a.domain}`);
    },
  },
};
