// XEP-0357 §5 / §7: what ejabberd's mod_push publishes to the app server. The notification's
// summary form (urn:xmpp:push:summary) carries the sender and the body when mod_push is configured
// with include_sender/include_body; publish-options carry the secret the client enabled with.
import { NS, XmlElement } from '../xmpp/xml';

export interface PushPublish {
  node: string;
  secret: string | undefined;
  sender: string | undefined;
  body: string | undefined;
  messageCount: number | undefined;
}

function formFields(x: XmlElement | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of x?.getChildren('field') ?? []) {
    if (f.attrs.var) out.set(f.attrs.var, f.getChildText('value') ?? '');
  }
  return out;
}

/** The publish inside an <iq type='set'><pubsub/></iq>, or undefined when it is not one. */
export function parsePushPublish(pubsub: XmlElement): PushPublish | undefined {
  const publish = pubsub.getChild('publish');
  const node = publish?.attrs.node;
  if (!publish || !node) return undefined;
  const notification = publish.getChild('item')?.getChild('notification', NS.push);
  const summary = formFields(notification?.getChild('x', NS.dataForms));
  const options = formFields(pubsub.getChild('publish-options')?.getChild('x', NS.dataForms));
  const count = summary.get('message-count');
  return {
    node,
    secret: options.get('secret'),
    sender: summary.get('last-message-sender') || undefined,
    body: summary.get('last-message-body') || undefined,
    messageCount: count !== undefined && /^\d+$/.test(count) ? Number(count) : undefined,
  };
}

/** "@bob" anywhere in the text, as a word: how a mention (XEP-0372 reference to bob) reads in the body. */
export function mentions(body: string, username: string): boolean {
  const escaped = username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\w])@${escaped}(?![\\w.-]*\\w)`, 'i').test(body);
}
