/// <reference types="mocha" />
// -f drachtio.conf.xml: the elements drachtio-server reads (src/drachtio-config.cpp) and what
// sipd makes of each, read from a realistic fixture and from small documents.
import assert from 'node:assert/strict';
import { parseDrachtioConfig, parseSipdOptions } from '../../src/cli';
import { FIXTURE, conf, files, fixtureXml, options, run, usageError } from './helpers';

function fromXml(xml: string): ReturnType<typeof run> {
  return run(['-f', '/x.xml'], {}, files({ '/x.xml': xml }));
}

describe('drachtio.conf.xml (-f/--file)', () => {
  describe('the fixture, read from disk', () => {
    const { options: o, warnings } = run(['-f', FIXTURE], {}, {
      defaultFile: '/nonexistent', exists: () => false, read: (p) => (p === FIXTURE ? fixtureXml() : assert.fail(p)),
    });

    it('records which file was read', () => {
      assert.equal(o.configFile, FIXTURE);
    });
    it('<admin port secret tcp-keepalive>address</admin> sets the app listener (entities decoded)', () => {
      assert.deepEqual(o.admin, { address: '127.0.0.1', port: 9023, secret: 's3cr&t' });
      assert.equal(o.sip.tcpKeepaliveSecs, 30);
    });
    it('<contacts><contact> gives one listening point each, with external-ip, local-net and dns-names', () => {
      assert.equal(o.contacts.length, 4);
      const [udpTcp, ws, wss, tls] = o.contacts;
      assert.deepEqual(udpTcp, {
        uri: 'sip:10.10.0.5:5060;transport=udp,tcp', scheme: 'sip', host: '10.10.0.5', bindAddress: '10.10.0.5', port: 5060,
        portExplicit: true, transports: ['udp', 'tcp'], dnsNames: [], externalIp: '203.0.113.10',
        localNet: { network: '10.10.0.0', prefixLength: 16 },
      });
      assert.deepEqual([ws.transports, ws.port, ws.dnsNames], [['ws'], 8080, ['sip.example.net', 'edge.example.net']]);
      assert.deepEqual([wss.scheme, wss.transports, wss.port, wss.externalIp], ['sips', ['wss'], 443, '203.0.113.10']);
      assert.deepEqual([tls.scheme, tls.transports, tls.port, tls.externalIp], ['sips', ['tls'], 5061, undefined]);
    });
    it('<sip><tls> sets the TLS files and <min-tls-version>', () => {
      assert.deepEqual(o.tls, {
        keyFile: '/etc/ssl/private/sip.key', certFile: '/etc/ssl/certs/sip.crt', chainFile: '/etc/ssl/certs/chain.pem',
        dhParamFile: '/etc/ssl/dh2048.pem', minVersion: 'TLSv1.2',
      });
    });
    it('<timers> overrides the timers it names and keeps the defaults for the rest', () => {
      assert.deepEqual(o.timers, { t1: 250, t2: 2000, t4: 5000, t1x64: 32000 });
    });
    it('<logging><loglevel> sets the level', () => {
      assert.equal(o.drachtioLogLevel, 'warning');
      assert.equal(o.logLevel, 'warn');
    });
    it('<monitoring><prometheus port>address</prometheus> enables metrics', () => {
      assert.deepEqual(o.metrics, { address: '127.0.0.1', port: 9091 });
    });
    it('SIP behaviour elements are carried to the engine', () => {
      assert.equal(o.sip.outboundProxy, 'sip:10.10.0.1:5060');
      assert.equal(o.sip.userAgentOptionsAutoRespond, 'KeepAlive/1.0');
      assert.equal(o.sip.rejectRegisterWithNoRealm, true);
      assert.equal(o.sip.aggressiveNatDetection, true);
      assert.equal(o.sip.sessionTimerDefaultRefresher, 'uas');
      assert.equal(o.limits.udpMtu, 4096);
      assert.equal(o.cdrs, true);
    });
    it('<spammers> is parsed: actions, lower-cased header names, values', () => {
      const s = o.sip.spammers;
      assert.ok(s !== undefined);
      assert.equal(s.action, 'reject');
      assert.equal(s.tcpAction, 'discard');
      assert.deepEqual([...s.headers], [['user-agent', ['sip-cli', 'friendly-scanner']], ['to', ['sipvicious']]]);
    });
    it('warns about what sipd ignores: Homer capture and syslog', () => {
      assert.ok(warnings.some((w) => w.includes('<capture-server>')));
      assert.ok(warnings.some((w) => w.includes('<logging><syslog>')));
      assert.ok(warnings.every((w) => w.startsWith(`${FIXTURE}: `)), 'warnings name the file');
      assert.ok(!warnings.some((w) => /no secret configured/.test(w)));
    });
  });

  describe('--file and -f read the named file', () => {
    it('--file=PATH and -f PATH both work', () => {
      const access = files({ '/a.xml': conf('<contacts><contact>sip:127.0.0.1:5099</contact></contacts>') });
      assert.equal(options(['--file=/a.xml'], {}, access).contacts[0].port, 5099);
      assert.equal(options(['-f', '/a.xml'], {}, access).contacts[0].port, 5099);
    });
    it('a named file that cannot be read is an error naming it', () => {
      usageError(['-f', '/missing.xml'], /cannot read configuration file \/missing\.xml/);
    });
    it('the real file system is used by default', () => {
      const out = parseSipdOptions(['-f', FIXTURE], {});
      assert.equal(out.kind, 'run');
    });
  });

  describe('drachtio\'s rules for the document', () => {
    it('<admin> is required', () => {
      usageError(['-f', '/x.xml'], /<admin> not found/, {}, files({ '/x.xml': '<drachtio><sip/></drachtio>' }));
    });
    it('the root must be <drachtio>', () => {
      usageError(['-f', '/x.xml'], /root element <drachtio> not found/, {}, files({ '/x.xml': '<config/>' }));
    });
    it('malformed XML is an error with its line', () => {
      usageError(['-f', '/x.xml'], /\/x\.xml: not well-formed XML \(line 2\)/, {}, files({ '/x.xml': '<drachtio>\n<admin></drachtio>' }));
    });
    it('<admin> without port or secret gets drachtio\'s defaults 9022 and "admin"', () => {
      const o = fromXml('<drachtio><admin>127.0.0.1</admin></drachtio>').options;
      assert.deepEqual(o.admin, { address: '127.0.0.1', port: 9022, secret: 'admin' });
    });
    it('the older single <sip><contact> form is read', () => {
      const o = fromXml(conf('<contact>sip:127.0.0.1:5070;transport=tcp</contact>')).options;
      assert.deepEqual(o.contacts.map((c) => [c.port, c.transports]), [[5070, ['tcp']]]);
    });
    it('no contacts in the file gives the default contact', () => {
      assert.equal(fromXml(conf()).options.contacts[0].uri, 'sip:*;transport=udp,tcp');
    });
    it('an unknown <loglevel> falls back to info with a warning, as drachtio falls back', () => {
      const { options: o, warnings } = fromXml(conf('', '<logging><loglevel>verbose</loglevel></logging>'));
      assert.equal(o.logLevel, 'info');
      assert.ok(warnings.some((w) => /<loglevel> 'verbose' unknown/.test(w)));
    });
    it('<prometheus> without an address listens on 0.0.0.0', () => {
      assert.deepEqual(fromXml(conf('', '<monitoring><prometheus port="9100"/></monitoring>')).options.metrics, { address: '0.0.0.0', port: 9100 });
    });
    it('<request-handlers> with a handler is refused (no HTTP routing in sipd)', () => {
      usageError(['-f', '/x.xml'], /<request-handlers>.*not supported/, {},
        files({ '/x.xml': conf('', '<request-handlers><request-handler sip-method="INVITE">http://127.0.0.1:3000</request-handler></request-handlers>') }));
    });
    it('bad values are errors naming the element', () => {
      const bad = (xml: string, re: RegExp): void => {
        usageError(['-f', '/x.xml'], re, {}, files({ '/x.xml': xml }));
      };
      bad('<drachtio><admin port="x">127.0.0.1</admin></drachtio>', /<admin port>: 'x'/);
      bad(conf('<timers><t1>fast</t1></timers>'), /<timers><t1>: 'fast'/);
      bad(conf('<tls><min-tls-version>0.9</min-tls-version></tls>'), /<min-tls-version>/);
      bad(conf('<session-timers default-refresher="both"/>'), /default-refresher.*none, uac or uas/);
      bad(conf('<spammers action="block"/>'), /<spammers action>: 'block'/);
      bad(conf('', '<cdrs>maybe</cdrs>'), /<cdrs>: 'maybe'/);
      bad(conf('<contacts><contact external-ip="::1">sip:127.0.0.1</contact></contacts>'), /external-ip '::1'/);
    });
    it('unknown and unsupported elements are warnings, not errors', () => {
      const { warnings } = fromXml(conf('<blacklist><redis-address>x</redis-address></blacklist><udp-buffer-size>1</udp-buffer-size>',
        '<frobs/><logging><file><name>/var/log/d.log</name></file></logging>'));
      for (const tag of ['<blacklist>', '<udp-buffer-size>', '<frobs>', '<logging><file>']) {
        assert.ok(warnings.some((w) => w.includes(tag)), `warning for ${tag}`);
      }
    });
    it('parseDrachtioConfig is usable on its own', () => {
      const r = parseDrachtioConfig(conf(), 'inline');
      assert.ok(r.ok);
      if (r.ok) assert.equal(r.value.layer.secret, 'cymru');
    });
  });
});
