// Applies edits (XEP-0308) and retractions (XEP-0424) to the archive itself. ejabberd 23.01 only
// stores the correction/retraction as one more message; a later MAM query (any client, any
// device) would still return the original text. Here the original's stored XML gets the new body,
// or loses its content and gets a <retracted/> mark, in every archive it is in (sender's,
// recipient's, the room's): each such archive also holds the correction/retraction, so applying
// per archive row covers all of them.
import type { Pool } from 'mariadb';
import { parseXml, xml, XmlElement } from '../xmpp/xml';
import { describeStanza, GLUE_NS, senderKey, StanzaInfo, unwrapMucSub } from './stanza';

type Db = Pick<Pool, 'query'>;

export interface ArchiveEvent {
  id: number;
  username: string;
  serverHost: string;
  barePeer: string;
  timestamp: number;
  xml: string;
  nick?: string | null;
}

/** The archived original (already parsed) with the edit or retraction applied. */
export function applyToOriginal(original: XmlElement, change: StanzaInfo, stamp: Date): XmlElement {
  const inner = unwrapMucSub(original);
  const keep = inner.getChildElements().filter((c) => c.is('origin-id', 'urn:xmpp:sid:0') || c.is('stanza-id', 'urn:xmpp:sid:0'));
  if (change.kind === 'retraction') {
    inner.children = [...keep, xml('retracted', { xmlns: GLUE_NS, stamp: stamp.toISOString() })];
  } else {
    const rest = inner.getChildElements().filter((c) => !c.is('body') && !c.is('edited', GLUE_NS)
      && !(c.is('reference', 'urn:xmpp:reference:0')));
    inner.children = [xml('body', {}, change.body), ...rest,
      xml('edited', { xmlns: GLUE_NS, stamp: stamp.toISOString() })];
  }
  return original;
}

/** Finds the message a change refers to in the same archive, from the same sender. */
async function findTarget(db: Db, ev: ArchiveEvent, change: StanzaInfo): Promise<{ id: number; el: XmlElement; info: StanzaInfo } | undefined> {
  const target = change.targetId as string;
  const rows = await db.query<Array<{ id: number; timestamp: number; xml: string; nick: string | null }>>(
    `SELECT id, timestamp, xml, nick FROM archive
      WHERE username = ? AND server_host = ? AND bare_peer = ? AND id < ? AND (timestamp = ? OR xml LIKE ?)
      ORDER BY id DESC LIMIT 20`,
    [ev.username, ev.serverHost, ev.barePeer, ev.id, /^\d+$/.test(target) ? Number(target) : -1, `%${target.replace(/[\\%_]/g, '\\$&')}%`]);
  const sender = senderKey(change, ev.nick);
  for (const r of rows) {
    let el: XmlElement;
    try { el = parseXml(r.xml); } catch { continue; }
    const info = describeStanza(el);
    if (info.kind !== 'message' || senderKey(info, r.nick) !== sender) continue;
    if (info.ids.includes(target) || String(r.timestamp) === target) return { id: Number(r.id), el, info };
  }
  return undefined;
}

/** Applies one archived change; returns whether an original was updated. */
export async function applyArchiveEvent(db: Db, ev: ArchiveEvent): Promise<boolean> {
  let change: StanzaInfo;
  try { change = describeStanza(parseXml(ev.xml)); } catch { return false; }
  if (change.kind !== 'correction' && change.kind !== 'retraction') return false;
  const target = await findTarget(db, ev, change);
  if (!target || target.info.retracted) return false;
  const updated = applyToOriginal(target.el, change, new Date(Math.floor(ev.timestamp / 1000)));
  await db.query('UPDATE archive SET xml = ?, txt = ? WHERE id = ?',
    [updated.toString(), change.kind === 'retraction' ? '' : change.body, target.id]);
  return true;
}
