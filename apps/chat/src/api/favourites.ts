// Favourite (pinned) chats, kept in the user's private XML storage (XEP-0049) under the
// namespace urn:openline:favourites:0, so XMPP clients can read the same list the API serves:
//   <favourites xmlns='urn:openline:favourites:0'><item jid='bob@openline.local'/></favourites>
import { accountByJid, ChatContext } from '../context';
import { ChatError } from '../errors';
import { NS, parseXml, xml } from '../xmpp/xml';

export async function getFavourites(ctx: ChatContext, userJid: string): Promise<string[]> {
  const me = await accountByJid(ctx, userJid);
  const res = await ctx.api.call<{ res?: string } | string>('private_get',
    { user: me.username, host: me.domain, element: 'favourites', ns: NS.favourites });
  const text = typeof res === 'string' ? res : res.res ?? '';
  if (!text) return [];
  try {
    // ejabberd answers <query xmlns='jabber:iq:private'><favourites .../></query>.
    const root = parseXml(text);
    const el = root.is('favourites', NS.favourites) ? root : root.getChild('favourites', NS.favourites);
    return (el?.getChildren('item') ?? []).map((i) => i.attrs.jid).filter((j): j is string => !!j);
  } catch {
    return [];
  }
}

export async function setFavourite(ctx: ChatContext, userJid: string, conversation: string, pinned: boolean): Promise<string[]> {
  if (typeof conversation !== 'string' || !/^[^@/\s]+@[^@/\s]+$/.test(conversation)) throw new ChatError('invalid', 'conversation must be a bare JID');
  const me = await accountByJid(ctx, userJid);
  const current = await getFavourites(ctx, me.jid);
  const next = pinned ? [...new Set([...current, conversation])] : current.filter((j) => j !== conversation);
  const el = xml('favourites', { xmlns: NS.favourites }, ...next.map((jid) => xml('item', { jid })));
  await ctx.api.call('private_set', { user: me.username, host: me.domain, element: el.toString() });
  return next;
}
