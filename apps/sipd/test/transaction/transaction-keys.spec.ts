import assert from 'node:assert/strict';
import { detached } from '../../src/transaction/transaction-keys';

describe('transaction/transaction-keys detached()', () => {
  it('gives an equal string for ASCII keys and for non-ASCII text (keys stay the same map keys)', () => {
    const text = 'INVITE sip:ü@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1\r\n';
    const branch = text.slice(text.indexOf('z9hG4bK'), text.indexOf('\r\n', text.indexOf('z9hG4bK')));
    assert.equal(detached(`${branch}|127.0.0.1:5060|INVITE`), 'z9hG4bK-1|127.0.0.1:5060|INVITE');
    const uri = text.slice(7, text.indexOf(' SIP/2.0'));
    assert.equal(detached(uri), 'sip:ü@example.com');
    assert.equal(detached(''), '');
    const m = new Map([[detached(`${branch}|x`), 1]]);
    assert.equal(m.get(`${branch}|x`), 1);
  });
});
