import assert from 'node:assert/strict';
import { StreamFramer, type FrameEvent } from '../../src/transport/stream-framer';

function msg(body = '', extra = ''): string {
  return `OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK1\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function types(events: FrameEvent[]): string[] {
  return events.map((e) => (e.type === 'error' ? `error:${e.reason}` : e.type));
}

function messages(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'message' ? [e.data.toString()] : []));
}

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  describe('framing by Content-Length', () => {
    it('emits one message with its body', () => {
      const f = new StreamFramer();
      const m = msg('v=0\r\n');
      assert.deepEqual(messages(f.push(Buffer.from(m))), [m]);
      assert.equal(f.buffered, 0);
    });

    it('splits two messages that arrive in one chunk', () => {
      const f = new StreamFramer();
      const a = msg('hello');
      const b = msg('', 'X-N: 2\r\n');
      assert.deepEqual(messages(f.push(Buffer.from(a + b))), [a, b]);
    });

    it('reassembles a message delivered one byte at a time', () => {
      const f = new StreamFramer();
      const m = msg('body-bytes');
      const out: FrameEvent[] = [];
      for (const byte of Buffer.from(m)) out.push(...f.push(Buffer.from([byte])));
      assert.deepEqual(messages(out), [m]);
    });

    it('waits for the body when the chunk ends after the headers', () => {
      const f = new StreamFramer();
      const m = msg('0123456789');
      const cut = m.indexOf('\r\n\r\n') + 4;
      assert.deepEqual(f.push(Buffer.from(m.slice(0, cut))), []);
      assert.deepEqual(messages(f.push(Buffer.from(m.slice(cut)))), [m]);
    });

    it('keeps a partial second message for the next chunk', () => {
      const f = new StreamFramer();
      const a = msg('a');
      const b = msg('bb');
      assert.deepEqual(messages(f.push(Buffer.from(a + b.slice(0, 20)))), [a]);
      assert.deepEqual(messages(f.push(Buffer.from(b.slice(20)))), [b]);
    });

    it('accepts the compact form l: and any header-name case', () => {
      const f = new StreamFramer();
      const m = 'BYE sip:x@y SIP/2.0\r\nl: 2\r\n\r\nhi';
      const n = 'BYE sip:x@y SIP/2.0\r\ncontent-LENGTH:   3  \r\n\r\nabc';
      assert.deepEqual(messages(f.push(Buffer.from(m + n))), [m, n]);
    });
  });

  describe('errors (the caller closes the connection)', () => {
    it('a message without Content-Length is an error carrying the header block (⇒ 400 and close)', () => {
      const f = new StreamFramer();
      const head = 'OPTIONS sip:b@h SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK2\r\n\r\n';
      const ev = f.push(Buffer.from(head));
      assert.deepEqual(types(ev), ['error:missing-content-length']);
      const e = ev[0];
      assert.ok(e !== undefined && e.type === 'error');
      assert.equal(e.head?.toString(), head);
    });

    it('a malformed Content-Length is an error', () => {
      const f = new StreamFramer();
      assert.deepEqual(types(f.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nContent-Length: 1x\r\n\r\n'))), ['error:bad-content-length']);
    });

    it('a Content-Length making the message exceed maxMessageSize fails before the body arrives', () => {
      const f = new StreamFramer({ maxMessageSize: 200 });
      assert.deepEqual(types(f.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\nContent-Length: 500\r\n\r\n'))), ['error:message-too-large']);
    });

    it('a header block longer than maxMessageSize without an end is an error', () => {
      const f = new StreamFramer({ maxMessageSize: 100 });
      assert.deepEqual(f.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\n')), []);
      assert.deepEqual(types(f.push(Buffer.from(`X-Pad: ${'a'.repeat(100)}\r\n`))), ['error:message-too-large']);
    });

    it('more than maxBufferSize buffered is an error', () => {
      const f = new StreamFramer({ maxMessageSize: 1000, maxBufferSize: 50 });
      assert.deepEqual(types(f.push(Buffer.from(`OPTIONS sip:b@h SIP/2.0\r\nX-Pad: ${'a'.repeat(60)}`))), ['error:buffer-overflow']);
      assert.equal(f.buffered, 0, 'the buffer is released');
    });

    it('nothing is framed after an error', () => {
      const f = new StreamFramer();
      f.push(Buffer.from('OPTIONS sip:b@h SIP/2.0\r\n\r\n'));
      assert.deepEqual(f.push(Buffer.from(msg())), []);
    });
  });

  describe('CRLF keep-alives (RFC 5626 §3.5.1)', () => {
    it('a double CRLF between messages is a ping', () => {
      const f = new StreamFramer();
      assert.deepEqual(types(f.push(Buffer.from('\r\n\r\n'))), ['ping']);
    });

    it('a ping split across reads is still one ping', () => {
      const f = new StreamFramer();
      assert.deepEqual(f.push(Buffer.from('\r\n')), []);
      assert.deepEqual(types(f.push(Buffer.from('\r\n'))), ['ping']);
    });

    it('a ping fed one byte at a time, then a message, gives a ping and the message', () => {
      const f = new StreamFramer();
      const m = msg();
      const out: FrameEvent[] = [];
      for (const byte of Buffer.from(`\r\n\r\n${m}`)) out.push(...f.push(Buffer.from([byte])));
      assert.deepEqual(types(out), ['ping', 'message']);
    });

    it('a single CRLF followed by a message is a pong, then the message', () => {
      const f = new StreamFramer();
      const m = msg();
      const ev = f.push(Buffer.from(`\r\n${m}`));
      assert.deepEqual(types(ev), ['pong', 'message']);
      assert.deepEqual(messages(ev), [m]);
    });

    it('pings between messages do not disturb framing', () => {
      const f = new StreamFramer();
      const a = msg('x');
      const ev = f.push(Buffer.from(`${a}\r\n\r\n${a}\r\n\r\n`));
      assert.deepEqual(types(ev), ['message', 'ping', 'message', 'ping']);
    });
  });
});
