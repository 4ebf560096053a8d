import assert from 'node:assert/strict';
import { encodeFrameParts, FrameDecoder } from '../../src/wire/frame-codec';
import { FrameOutbox } from '../../src/wire/frame-outbox';

describe('wire/frame-outbox', () => {
  it('writes the same bytes as encoding each frame and concatenating them (§1 framing)', () => {
    const frames: Array<Array<string | Buffer>> = [
      ['id1|sip|network|12|udp|127.0.0.1|5060|10:00:00.000000|tx||127.0.0.1|5060|\r\n', Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n\r\n')],
      ['id2|response|msg|OK|application|…|é\r\n', 'SIP/2.0 200 OK\r\nTo: "Zoë" <sip:z@x>\r\n\r\n'],
      [Buffer.alloc(0)],
    ];
    const outbox = new FrameOutbox();
    for (const f of frames) outbox.add(f);
    const expected = Buffer.concat(frames.map((f) => encodeFrameParts(f)));
    assert.equal(outbox.bytes, expected.length);
    assert.deepEqual(outbox.take(), expected);
  });

  it('counts UTF-8 bytes, not characters, in the length prefix', () => {
    const outbox = new FrameOutbox();
    outbox.add(['é']);
    assert.equal(outbox.take().toString('utf8'), '2#é');
  });

  it('is empty after take() and the decoder reads back every frame', () => {
    const outbox = new FrameOutbox();
    assert.equal(outbox.empty, true);
    outbox.add(['a|ping']);
    outbox.add(['b|', Buffer.from('pong')]);
    assert.equal(outbox.empty, false);
    const bytes = outbox.take();
    assert.equal(outbox.empty, true);
    assert.equal(outbox.bytes, 0);
    assert.deepEqual(new FrameDecoder().push(bytes).frames, ['a|ping', 'b|pong']);
  });
});
