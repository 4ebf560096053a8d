// The XML element type the glue works with (ltx elements as xmpp.js builds and parses them),
// a builder and a parser for stored stanzas (ejabberd's archive keeps each message's XML).
import xmlLib from '@xmpp/xml';

export interface XmlElement {
  name: string;
  attrs: Record<string, string | undefined>;
  children: Array<XmlElement | string>;
  is(name: string, xmlns?: string): boolean;
  getChild(name: string, xmlns?: string): XmlElement | undefined;
  getChildren(name: string, xmlns?: string): XmlElement[];
  getChildElements(): XmlElement[];
  getChildText(name: string, xmlns?: string): string | null;
  getAttr(name: string): string | undefined;
  text(): string;
  append(...children: Array<XmlElement | string>): XmlElement;
  remove(el: XmlElement | string, xmlns?: string): XmlElement;
  toString(): string;
}

export type XmlChild = XmlElement | string | null | undefined | false;

/** xml('message', { to, type }, xml('body', {}, 'hi')) */
export function xml(name: string, attrs: Record<string, string | number | undefined> = {}, ...children: XmlChild[]): XmlElement {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) clean[k] = String(v);
  return xmlLib(name, clean, ...children.filter((c): c is XmlElement | string => c !== null && c !== undefined && c !== false)) as XmlElement;
}

interface StreamParser {
  on(event: 'element', fn: (el: XmlElement) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  write(data: string): void;
}

/** Parses one element (xmpp.js's stream parser, the element wrapped as a stream child); throws on malformed XML. */
export function parseXml(text: string): XmlElement {
  const Parser = (xmlLib as unknown as { Parser: new () => StreamParser }).Parser;
  const parser = new Parser();
  let found: XmlElement | undefined;
  let failure: Error | undefined;
  parser.on('element', (el) => { found ??= el; });
  parser.on('error', (err) => { failure ??= err; });
  parser.write(`<w>${text}</w>`);
  if (failure) throw failure;
  if (!found) throw new Error('no XML element');
  delete (found as { parent?: unknown }).parent;
  return found;
}

/** Namespaces of the XEPs the glue reads or writes. */
export const NS = {
  client: 'jabber:client',
  receipts: 'urn:xmpp:receipts', // XEP-0184
  markers: 'urn:xmpp:chat-markers:0', // XEP-0333
  chatStates: 'http://jabber.org/protocol/chatstates', // XEP-0085
  correct: 'urn:xmpp:message-correct:0', // XEP-0308
  retract: 'urn:xmpp:message-retract:0', // XEP-0424 (version 0.3, what clients of ejabberd 23.01's era send)
  fasten: 'urn:xmpp:fasten:0', // XEP-0422, wraps XEP-0424 v0.3 retractions
  reference: 'urn:xmpp:reference:0', // XEP-0372
  stanzaId: 'urn:xmpp:sid:0', // XEP-0359
  hints: 'urn:xmpp:hints', // XEP-0334
  mam: 'urn:xmpp:mam:2', // XEP-0313
  forward: 'urn:xmpp:forward:0',
  delay: 'urn:xmpp:delay',
  carbons: 'urn:xmpp:carbons:2', // XEP-0280
  push: 'urn:xmpp:push:0', // XEP-0357
  pubsub: 'http://jabber.org/protocol/pubsub',
  dataForms: 'jabber:x:data',
  muc: 'http://jabber.org/protocol/muc',
  mucUser: 'http://jabber.org/protocol/muc#user',
  mucSub: 'urn:xmpp:mucsub:0',
  conference: 'jabber:x:conference', // XEP-0249 direct invitations
  private: 'jabber:iq:private', // XEP-0049
  favourites: 'urn:openline:favourites:0',
  ping: 'urn:xmpp:ping',
  disco: 'http://jabber.org/protocol/disco#info',
} as const;
