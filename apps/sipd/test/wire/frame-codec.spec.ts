// Framing `<byte length>#<message>` (docs/wire-protocol.md §1), checked against drachtio-srf's own
// WireProtocol encoder/decoder so that "byte-exact with srf" is tested, not assumed.
import assert from 'node:assert/strict';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, encodeFrameParts, FrameDecoder } from '../../src/wire/frame-codec';

// drachtio-srf's internal WireProtocol has no typings: load it untyped and describe what we use.
const WireProtocol = createRequire(__filename)('drachtio-srf/lib/wire-protocol') as new (opts: object) => SrfWire;
interface SrfWire extends EventEmitter {
  send(socket: { write(s: string, cb?: () => void): void }, msg: string): string;
  _onData(socket: object, chunk: Buffer): void;
}

const EMOJI = '"Zoë 📞 Ünïcødé" <sip:zoe@example.com>;tag=ab';
const SAMPLE = `abc|sip|network|120|udp|127.0.0.1|5060|10:11:12.000000|t1||127.0.0.1|5060|\r\nOPTIONS sip:a@b SIP/2.0\r\nFrom: ${EMOJI}\r\n\r\n`;

function decodeAll(decoder: FrameDecoder, chunks: Buffer[]): string[] {
  const out: string[] = [];
  for (const c of chunks) {
    const r = decoder.push(c);
    assert.equal(r.error, undefined, r.error?.message);
    out.push(...r.frames);
  }
  return out;
}

/** What srf's client-side decoder makes of a byte stream. */
function srfDecode(chunks: Buffer[]): string[] {
  const wp = new WireProtocol({});
  const got: string[] = [];
  wp.on('msg', (_s: unknown, m: string) => got.push(m));
  const socket = {};
  for (const c of chunks) wp._onData(socket, c);
  return got;
}

describe('wire/frame-codec', () => {
  describe('encodeFrame', () => {
    it('prefixes the UTF-8 byte length, not the UTF-16 length (srf Buffer.byteLength)', () => {
      const frame = encodeFrame(SAMPLE);
      const prefix = `${Buffer.byteLength(SAMPLE, 'utf8')}#`;
      assert.ok(Buffer.byteLength(SAMPLE, 'utf8') > SAMPLE.length, 'sample must contain multi-byte characters');
      assert.equal(frame.subarray(0, prefix.length).toString('latin1'), prefix);
      assert.equal(frame.subarray(prefix.length).toString('utf8'), SAMPLE);
    });

    it('is byte-identical to what drachtio-srf writes for the same message', () => {
      const wp = new WireProtocol({});
      let written = '';
      const id = wp.send({ write: (s: string) => { written = s; } }, `ping😀`);
      assert.deepEqual(encodeFrame(`${id}|ping😀`), Buffer.from(written, 'utf8'));
    });

    it('encodeFrameParts counts Buffer and string parts together', () => {
      const sip = Buffer.from('INVITE sip:ü@x SIP/2.0\r\n\r\n', 'utf8');
      const frame = encodeFrameParts(['id|sip|x\r\n', sip]);
      assert.deepEqual(frame, encodeFrame(`id|sip|x\r\n${sip.toString('utf8')}`));
    });
  });

  describe('FrameDecoder round trips', () => {
    it('decodes several frames delivered in one chunk', () => {
      const msgs = ['a|ping', SAMPLE, 'b|route|invite'];
      const d = new FrameDecoder();
      assert.deepEqual(decodeAll(d, [Buffer.concat(msgs.map((m) => encodeFrame(m)))]), msgs);
      assert.equal(d.bufferedBytes, 0);
    });

    it('decodes a frame split at every possible byte, including inside multi-byte characters and the prefix', () => {
      const bytes = Buffer.concat([encodeFrame(SAMPLE), encodeFrame('x|ping')]);
      for (let cut = 1; cut < bytes.length; cut++) {
        const d = new FrameDecoder();
        assert.deepEqual(decodeAll(d, [bytes.subarray(0, cut), bytes.subarray(cut)]), [SAMPLE, 'x|ping'], `cut at ${cut}`);
      }
    });

    it('decodes a stream fed one byte at a time', () => {
      const bytes = Buffer.concat([encodeFrame(SAMPLE), encodeFrame('x|ping')]);
      const d = new FrameDecoder();
      const chunks = [...bytes].map((b) => Buffer.from([b]));
      assert.deepEqual(decodeAll(d, chunks), [SAMPLE, 'x|ping']);
    });

    it('frames srf writes are decoded to the same strings', () => {
      const wp = new WireProtocol({});
      const writes: string[] = [];
      const sock = { write: (s: string) => { writes.push(s); } };
      const ids = [wp.send(sock, 'authenticate|s3cret|tag1'), wp.send(sock, `sip||\r\n${SAMPLE}`)];
      const got = decodeAll(new FrameDecoder(), [Buffer.from(writes.join(''), 'utf8')]);
      assert.deepEqual(got, [`${ids[0]}|authenticate|s3cret|tag1`, `${ids[1]}|sip||\r\n${SAMPLE}`]);
    });

    it('srf decodes our frames, split at every byte, to the same strings', () => {
      const bytes = Buffer.concat([encodeFrame(SAMPLE), encodeFrame('y|response|x|OK|pong')]);
      for (let cut = 1; cut < bytes.length; cut++) {
        assert.deepEqual(srfDecode([bytes.subarray(0, cut), bytes.subarray(cut)]), [SAMPLE, 'y|response|x|OK|pong'], `cut at ${cut}`);
      }
    });
  });

  describe('FrameDecoder properties', () => {
    it('any messages, cut into any chunks, decode to the same messages (and srf agrees)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }), { minLength: 1, maxLength: 6 }),
          fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
          (messages, cuts) => {
            const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));
            const chunks: Buffer[] = [];
            let pos = 0;
            for (let i = 0; pos < bytes.length; i++) {
              const n = cuts[i % cuts.length] as number;
              chunks.push(bytes.subarray(pos, pos + n));
              pos += n;
            }
            assert.deepEqual(decodeAll(new FrameDecoder(), chunks), messages);
            assert.deepEqual(srfDecode(chunks), messages);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('FrameDecoder protection', () => {
    it('rejects a frame larger than maxFrameBytes as soon as the prefix says so, without buffering it', () => {
      const d = new FrameDecoder({ maxFrameBytes: 100 });
      const r = d.push(Buffer.from('101#' + 'x'.repeat(50)));
      assert.equal(r.error?.code, 'EOVERSIZE');
      assert.equal(d.bufferedBytes, 0);
    });

    it('rejects an over-long digit run with no # (never buffers an unbounded prefix)', () => {
      const d = new FrameDecoder({ maxFrameBytes: 10 ** 12 });
      const r = d.push(Buffer.from('1234567890'));
      assert.equal(r.error?.code, 'EBADLENGTH');
    });

    it('accepts a frame of exactly maxFrameBytes', () => {
      const d = new FrameDecoder({ maxFrameBytes: 8 });
      assert.deepEqual(decodeAll(d, [encodeFrame('12345678')]), ['12345678']);
    });

    it('rejects a non-digit prefix, an empty prefix and a zero length', () => {
      for (const bad of ['12a#xx', '#abc', '0#', 'GET / HTTP/1.1\r\n']) {
        const r = new FrameDecoder().push(Buffer.from(bad));
        assert.equal(r.error?.code, 'EBADLENGTH', bad);
      }
    });

    it('returns the frames before a bad prefix, then stays failed', () => {
      const d = new FrameDecoder();
      const r = d.push(Buffer.concat([encodeFrame('a|ping'), Buffer.from('zz#')]));
      assert.deepEqual(r.frames, ['a|ping']);
      assert.equal(r.error?.code, 'EBADLENGTH');
      const again = d.push(encodeFrame('b|ping'));
      assert.deepEqual(again.frames, []);
      assert.equal(again.error?.code, 'EBADLENGTH');
    });

    it('defaults to a 1 MiB cap', () => {
      assert.equal(new FrameDecoder().maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
      assert.equal(DEFAULT_MAX_FRAME_BYTES, 1024 * 1024);
    });
  });
});
