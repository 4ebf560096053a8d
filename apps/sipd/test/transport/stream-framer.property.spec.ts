import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StreamFramer } from '../../src/transport/stream-framer';

/** A request with a body of `body` bytes (headers vary in length too). */
function message(i: number, body: string): string {
  return `MESSAGE sip:u${i}@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK${i}\r\nX-Pad: ${'p'.repeat(i % 7)}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe('StreamFramer properties (§18.3)', () => {
  it('any split of a stream of messages and keep-alives yields the same messages in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.string({ maxLength: 40 }), fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 30 }),
        (items, cuts) => {
          const expected = items.map(([body], i) => message(i, body));
          const stream = Buffer.from(items.map(([, ping], i) => (ping ? '\r\n\r\n' : '') + expected[i]).join(''));
          const f = new StreamFramer();
          const got: string[] = [];
          let pings = 0;
          let at = 0;
          let k = 0;
          while (at < stream.length) {
            const n = cuts[k++ % cuts.length]!;
            for (const ev of f.push(stream.subarray(at, at + n))) {
              if (ev.type === 'message') got.push(ev.data.toString());
              else if (ev.type === 'ping') pings++;
              else assert.fail(`unexpected ${ev.type}`);
            }
            at += n;
          }
          assert.deepEqual(got, expected);
          assert.equal(pings, items.filter(([, ping]) => ping).length);
          assert.equal(f.buffered, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
