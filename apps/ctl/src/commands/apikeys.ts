// ctl apikey create|list|revoke: operator API keys for the CDR API (/v1/cdrs...). The key is
// printed once at creation; only its SHA-256 is stored, so a lost key is revoked and replaced.
import { API_KEY_SCOPES, ApiKey } from '@openline/db';
import { list, parse } from '../args';
import { CommandGroup } from '../context';

const COLUMNS = ['id', 'name', 'prefix', 'scopes', 'createdAt', 'lastUsedAt', 'revokedAt'];

function row(k: ApiKey): Record<string, unknown> {
  return { ...k, prefix: `ol_${k.prefix}…` };
}

export const apiKeyCommands: CommandGroup = {
  help: [
    `apikey create NAME [--scopes ${API_KEY_SCOPES.join(',')}]   (default read; the key is printed once)`,
    'apikey list',
    'apikey revoke NAME|ID|PREFIX',
  ],
  handlers: {
    create: async (ctx, args) => {
      const { values: v, positionals: [name] } = parse(args, { scopes: { type: 'string' } }, 1);
      const { key, apiKey } = await ctx.apiKeys.create(name, list(v, 'scopes') ?? ['read']);
      ctx.out.one({ ...row(apiKey), key }, ['id', 'name', 'scopes', 'key'],
        'Store this key now: it is not shown again (only its hash is kept). Send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".');
    },
    list: async (ctx, args) => {
      parse(args, {}, 0);
      ctx.out.list((await ctx.apiKeys.list()).map(row), COLUMNS);
    },
    revoke: async (ctx, args) => {
      const { positionals: [ref] } = parse(args, {}, 1);
      const k = await ctx.apiKeys.revoke(ref);
      ctx.out.done(`revoked API key ${k.name} (ol_${k.prefix}…)`);
    },
  },
};
