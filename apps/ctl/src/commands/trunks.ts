// ctl trunk add|list|show|update|remove
import { TrunkInput } from '@openline/db';
import { bool, int, list, nullable, parse, str, Values } from '../args';
import { CommandGroup } from '../context';
import { usage } from '../errors';

const COLUMNS = ['name', 'host', 'port', 'transport', 'authUser', 'register', 'codecs', 'inboundCidrs'];

const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, transport: { type: 'string' }, 'auth-user': { type: 'string' },
  'auth-password': { type: 'string' }, register: { type: 'boolean' }, 'no-register': { type: 'boolean' },
  codecs: { type: 'string' }, inbound: { type: 'string' },
} as const;

function input(v: Values): TrunkInput {
  if (v.register && v['no-register']) throw usage('give --register or --no-register, not both');
  return {
    host: str(v, 'host'), port: int(v, 'port'), transport: str(v, 'transport'), authUser: nullable(v, 'auth-user'),
    authPassword: nullable(v, 'auth-password'), register: v['no-register'] ? false : bool(v, 'register'),
    codecs: list(v, 'codecs'), inboundCidrs: list(v, 'inbound'),
  };
}

export const trunkCommands: CommandGroup = {
  help: [
    'trunk add NAME --host H [--port 5060] [--transport udp|tcp|tls] [--auth-user U] [--auth-password P] [--register]',
    '    [--codecs PCMU,PCMA] [--inbound CIDR[,CIDR...]]',
    'trunk list',
    'trunk show NAME',
    'trunk update NAME [same flags as add; --no-register; --inbound "" clears]',
    'trunk remove NAME',
  ],
  handlers: {
    add: async (ctx, args) => {
      const { values: v, positionals: [name] } = parse(args, FLAGS, 1);
      const i = input(v);
      if (!i.host) throw usage('trunk add needs --host');
      ctx.out.one({ ...(await ctx.trunks.add(name, { ...i, host: i.host, authUser: i.authUser ?? undefined })) }, COLUMNS);
    },
    list: async (ctx, args) => {
      parse(args, {}, 0);
      ctx.out.list((await ctx.trunks.list()).map((t) => ({ ...t })), COLUMNS);
    },
    show: async (ctx, args) => {
      const { positionals: [name] } = parse(args, {}, 1);
      ctx.out.one({ ...(await ctx.trunks.get(name)) }, [...COLUMNS, 'hasAuthPassword']);
    },
    update: async (ctx, args) => {
      const { values: v, positionals: [name] } = parse(args, FLAGS, 1);
      ctx.out.one({ ...(await ctx.trunks.update(name, input(v))) }, COLUMNS);
    },
    remove: async (ctx, args) => {
      const { positionals: [name] } = parse(args, {}, 1);
      await ctx.trunks.remove(name);
      ctx.out.done(`removed trunk ${name}`);
    },
  },
};
