// What an archived message stanza means to the product: a message, an edit of an earlier one
// (XEP-0308), a retraction (XEP-0424), or something without content (markers, chat states).
// Pure functions over parsed XML, shared by the history API and the archive watcher.
import { NS, XmlElement } from '../xmpp/xml';

/** Namespace of the marks the glue leaves in archived XML when it applies an edit or a retraction. */
export const GLUE_NS = 'urn:openline:chat:0';
/** XEP-0424 version 0.4+ (retract by id); version 0.3 used fasten + retract:0. */
export const RETRACT_1 = 'urn:xmpp:message-retract:1';

export type StanzaKind = 'message' | 'correction' | 'retraction' | 'empty';

export interface StanzaInfo {
  kind: StanzaKind;
  /** The message's own ids: id attribute, origin-id, stanza-ids (XEP-0359). */
  ids: string[];
  /** For correction/retraction: the id of the message it applies to. */
  targetId?: string;
  body: string;
  from: string;
  to: string;
  type: string;
  /** XEP-0372 mention URIs (xmpp:user@domain) in the message. */
  mentions: string[];
  /** The glue already applied a retraction to this archived message. */
  retracted: boolean;
  /** The glue already applied an edit to this archived message. */
  edited: boolean;
}

/** MucSub (ejabberd) wraps room messages for subscribers in a pubsub event: return the inner message. */
export function unwrapMucSub(el: XmlElement): XmlElement {
  const event = el.getChild('event', 'http://jabber.org/protocol/pubsub#event');
  const inner = event?.getChild('items')?.getChild('item')?.getChild('message');
  return inner ?? el;
}

export function describeStanza(outer: XmlElement): StanzaInfo {
  const el = unwrapMucSub(outer);
  const ids = [el.attrs.id, el.getChild('origin-id', NS.stanzaId)?.attrs.id,
    ...el.getChildren('stanza-id', NS.stanzaId).map((s) => s.attrs.id)].filter((x): x is string => !!x);
  const body = el.getChildText('body') ?? '';
  const mentions = el.getChildren('reference', NS.reference)
    .filter((r) => r.attrs.type === 'mention' && r.attrs.uri)
    .map((r) => (r.attrs.uri as string).replace(/^xmpp:/, '').split('?')[0]);
  const base = {
    ids, body, from: el.attrs.from ?? '', to: el.attrs.to ?? '', type: el.attrs.type ?? 'normal', mentions,
    retracted: el.getChild('retracted', GLUE_NS) !== undefined,
    edited: el.getChild('edited', GLUE_NS) !== undefined,
  };
  const retract1 = el.getChild('retract', RETRACT_1);
  if (retract1?.attrs.id) return { ...base, kind: 'retraction', targetId: retract1.attrs.id };
  const applyTo = el.getChild('apply-to', NS.fasten);
  if (applyTo?.attrs.id && applyTo.getChild('retract', NS.retract)) return { ...base, kind: 'retraction', targetId: applyTo.attrs.id };
  const replace = el.getChild('replace', NS.correct);
  if (replace?.attrs.id) return { ...base, kind: 'correction', targetId: replace.attrs.id };
  if (base.retracted) return { ...base, kind: 'message', body: '' };
  return { ...base, kind: body ? 'message' : 'empty' };
}

/**
 * The sender as the conversation sees it: the bare JID for 1:1, room@service/nick for groups.
 * A room's own archive stores the sender's real JID (from) and the nick in its own column;
 * MucSub copies in a member's archive carry room@service/nick as from.
 */
export function senderKey(info: StanzaInfo, nick?: string | null): string {
  if (info.type !== 'groupchat') return info.from.split('/')[0];
  if (nick) return `${info.to.split('/')[0]}/${nick}`;
  return info.from;
}
