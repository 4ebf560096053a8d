import assert from 'node:assert/strict';
import { sniffImage } from '../src/services/avatars';

describe('avatar type check', () => {
  it('recognises PNG, JPEG and WebP by their magic bytes', () => {
    assert.equal(sniffImage(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])), 'image/png');
    assert.equal(sniffImage(Buffer.from([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg');
    assert.equal(sniffImage(Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1')), 'image/webp');
  });
  it('refuses anything else (GIF, HTML, empty)', () => {
    assert.equal(sniffImage(Buffer.from('GIF89a')), undefined);
    assert.equal(sniffImage(Buffer.from('<html>')), undefined);
    assert.equal(sniffImage(Buffer.alloc(0)), undefined);
  });
});
