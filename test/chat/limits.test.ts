// Bad input is ejabberd's to refuse (issue 10): an oversized stanza and malformed XML end the
// stream with the RFC 6120 §4.9.3 condition, and the stack keeps serving everyone else.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { chatEnv, ChatEnv, isMessage, login, newUser } from './support/chat';
import { chatMessage } from '@openline/chat';

/** Opens a raw c2s stream, sends `payload` after the header, returns what the server said until it closed. */
function rawStream(port: number, domain: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    let buf = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`server did not close the stream; got ${buf.slice(-300)}`)); }, 10000);
    s.on('connect', () => {
      s.write(`<?xml version='1.0'?><stream:stream to='${domain}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`);
      s.write(payload);
    });
    s.on('data', (d) => { buf += d.toString('utf8'); });
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(t); resolve(buf); });
  });
}

describe('chat: bad input', function () {
  this.timeout(60000);
  let e: ChatEnv;
  before(async () => { e = await chatEnv(); });

  it('a stanza over max_stanza_size ends the stream with policy-violation', async () => {
    const big = `<message to='x@${e.domain}'><body>${'a'.repeat(e.ctx.settings.maxStanzaSize + 1024)}</body></message>`;
    const answer = await rawStream(e.ports.xmppC2s, e.domain, big);
    assert.match(answer, /<policy-violation xmlns=.urn:ietf:params:xml:ns:xmpp-streams.\/>/);
  });

  it('malformed XML ends the stream with not-well-formed', async () => {
    const answer = await rawStream(e.ports.xmppC2s, e.domain, '<message><body>unclosed</bdy></message>');
    assert.match(answer, /<not-well-formed xmlns=.urn:ietf:params:xml:ns:xmpp-streams.\/>/);
  });

  it('the server keeps delivering for everyone else', async () => {
    const [a, b] = [await newUser(e, 'after'), await newUser(e, 'still')];
    const [ca, cb] = [await login(e, a), await login(e, b)];
    try {
      await ca.send(chatMessage(b.jid, 'still here', 'ok-1'));
      await cb.waitFor(isMessage('still here'));
    } finally { await ca.close(); await cb.close(); }
  });
});
