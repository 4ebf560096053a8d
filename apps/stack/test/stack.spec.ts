import * as assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import {
  decodeStun, encodeStun, errorCode, longTermKey, orderServices, portFree, renderTemplate, resolveBinary,
  ServiceDefinition, StackError, StunAttr, StunType, tcpProbe, turnRestCredentials, xorAddress,
} from '../src';

function svc(name: string, dependsOn: string[] = []): ServiceDefinition {
  return { name, command: 'true', args: [], ports: [], dependsOn, ready: tcpProbe(1) };
}

describe('stack: templates', () => {
  it('fills {{placeholders}} and refuses one without a value', () => {
    assert.equal(renderTemplate('port={{ port }}\nrealm={{realm}}', { port: 1, realm: 'r' }), 'port=1\nrealm=r');
    assert.throws(() => renderTemplate('x={{missing}}', {}, 't.tmpl'), (e: unknown) =>
      e instanceof StackError && e.message === 'stack: t.tmpl: no value for placeholder {{missing}}');
  });
});

describe('stack: service order', () => {
  it('starts each service after the ones it depends on, otherwise in the given order', () => {
    const order = orderServices([svc('sipd', ['redis']), svc('mariadb'), svc('redis')]).map((s) => s.name);
    assert.deepEqual(order, ['redis', 'sipd', 'mariadb']);
  });

  it('refuses an unknown dependency, a cycle and a duplicate name', () => {
    assert.throws(() => orderServices([svc('a', ['nope'])]), /a depends on unknown service nope/);
    assert.throws(() => orderServices([svc('a', ['b']), svc('b', ['a'])]), /cycle: a -> b -> a/);
    assert.throws(() => orderServices([svc('a'), svc('a')]), /defined twice/);
  });
});

describe('stack: preflight', () => {
  it('finds binaries on PATH and in the sbin directories', () => {
    assert.equal(resolveBinary('sh') !== undefined, true);
    assert.equal(resolveBinary('openline-no-such-binary'), undefined);
  });

  it('sees a TCP and a UDP port in use as taken, and a released one as free', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const tcpPort = (srv.address() as net.AddressInfo).port;
    assert.equal(await portFree({ port: tcpPort, proto: 'tcp' }), false);
    await new Promise<void>((r) => srv.close(() => r()));
    assert.equal(await portFree({ port: tcpPort, proto: 'tcp' }), true);
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    assert.equal(await portFree({ port: sock.address().port, proto: 'udp' }), false);
    sock.close();
  });
});

describe('stack: STUN/TURN messages (RFC 8489)', () => {
  const tid = Buffer.alloc(12, 7);

  it('round-trips a message with padded attributes', () => {
    const m = decodeStun(encodeStun(StunType.AllocateRequest, tid, [{ type: StunAttr.Username, value: Buffer.from('abcde') }]));
    assert.ok(m);
    assert.equal(m.type, StunType.AllocateRequest);
    assert.deepEqual(m.transactionId, tid);
    assert.equal(m.attributes[0].value.toString(), 'abcde');
  });

  it('computes MESSAGE-INTEGRITY over the header with the length already counting it (§14.5)', () => {
    const key = longTermKey('user', 'realm', 'pass');
    const buf = encodeStun(StunType.AllocateRequest, tid, [{ type: StunAttr.Username, value: Buffer.from('user') }], key);
    const mi = buf.subarray(buf.length - 20);
    const covered = Buffer.from(buf.subarray(0, buf.length - 24));
    assert.equal(covered.readUInt16BE(2), buf.length - 20);
    assert.deepEqual(mi, createHmac('sha1', key).update(covered).digest());
  });

  it('reads ERROR-CODE and XOR addresses', () => {
    const err = encodeStun(StunType.AllocateError, tid, [{ type: StunAttr.ErrorCode, value: Buffer.from([0, 0, 4, 1]) }]);
    assert.equal(errorCode(decodeStun(err)!), 401);
    const v = Buffer.alloc(8);
    v.writeUInt16BE(1, 0);
    v.writeUInt16BE(3478 ^ 0x2112, 2);
    v.writeUInt32BE((0x7f000001 ^ 0x2112a442) >>> 0, 4);
    assert.equal(xorAddress(v), '127.0.0.1:3478');
  });

  it('makes TURN REST credentials: "<expiry>:<user>" and base64(HMAC-SHA1(secret, username))', () => {
    const c = turnRestCredentials('s3cret', 'bob', 100, 1_000_000);
    assert.equal(c.username, '1100:bob');
    assert.equal(c.password, createHmac('sha1', 's3cret').update('1100:bob').digest('base64'));
  });
});
