import assert from 'node:assert/strict';
import { flowTransport } from '../src/lib/middleware';

describe('registrar: the flow a REGISTER came over', () => {
  it('takes the transport sipd reports', () => {
    assert.equal(flowTransport('udp', 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1'), 'udp');
    assert.equal(flowTransport('tls', 'SIP/2.0/TLS 10.0.0.1:5061;branch=z9hG4bK1'), 'tls');
  });
  it('refines "tcp" to ws/wss from the top Via (drachtio reports WebSocket as tcp; RFC 7118 §5)', () => {
    assert.equal(flowTransport('tcp', 'SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1, SIP/2.0/UDP x'), 'wss');
    assert.equal(flowTransport('tcp', 'SIP/2.0/WS abc.invalid;branch=z9hG4bK1'), 'ws');
    assert.equal(flowTransport('tcp', 'SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK1'), 'tcp');
  });
  it('defaults to udp for an unknown protocol', () => {
    assert.equal(flowTransport(undefined, undefined), 'udp');
    assert.equal(flowTransport('sctp', undefined), 'udp');
  });
});
