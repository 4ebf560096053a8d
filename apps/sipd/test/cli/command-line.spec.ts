/// <reference types="mocha" />
// Every command-line option sipd takes from drachtio-server (src/controller.cpp, parseCmdArgs),
// with its meaning, plus sipd's --sipd-* extras.
import assert from 'node:assert/strict';
import { DEFAULTS, helpText } from '../../src/cli';
import { options, parse, run, usageError } from './helpers';

describe('sipd command line', () => {
  describe('defaults (no options, no config file)', () => {
    it('listens on drachtio\'s default contact sip:*;transport=udp,tcp, port 5060', () => {
      const o = options([]);
      assert.equal(o.contacts.length, 1);
      assert.deepEqual(o.contacts[0], {
        uri: 'sip:*;transport=udp,tcp', scheme: 'sip', host: '*', bindAddress: '0.0.0.0', port: 5060,
        portExplicit: false, transports: ['udp', 'tcp'], dnsNames: [],
      });
    });
    it('app listener on 0.0.0.0:9022 with drachtio\'s default secret, and a warning about the secret', () => {
      const { options: o, warnings } = run([]);
      assert.deepEqual(o.admin, { address: '0.0.0.0', port: 9022, secret: 'admin' });
      assert.ok(warnings.some((w) => /no secret configured/.test(w)));
    });
    it('logs at info, metrics off, RFC 3261 timers, no TLS files, CDRs off', () => {
      const o = options([]);
      assert.equal(o.logLevel, 'info');
      assert.equal(o.drachtioLogLevel, 'info');
      assert.equal(o.metrics, undefined);
      assert.deepEqual(o.timers, { t1: 500, t2: 4000, t4: 5000, t1x64: 32000 });
      assert.deepEqual(o.tls, {});
      assert.equal(o.cdrs, false);
      assert.equal(o.limits.maxMessageSize, DEFAULTS.maxMessageSize);
      assert.equal(o.sip.tcpKeepaliveSecs, 45);
      assert.equal(o.sip.sessionTimerDefaultRefresher, 'none');
    });
  });

  describe('syntax (getopt_long conventions)', () => {
    it('accepts --opt value, --opt=value, -x value and -xvalue', () => {
      assert.equal(options(['--port', '9100']).admin.port, 9100);
      assert.equal(options(['--port=9101']).admin.port, 9101);
      assert.equal(options(['-p', '9102']).admin.port, 9102);
      assert.equal(options(['-p9103']).admin.port, 9103);
    });
    it('accepts an unambiguous prefix of a long option, as getopt_long does', () => {
      assert.equal(options(['--sec', 'x']).admin.secret, 'x');
      assert.equal(options(['--prometheus', '9090']).metrics?.port, 9090);
    });
    it('--user-agent is a prefix of --user-agent-options-auto-respond and means it', () => {
      assert.equal(options(['--user-agent', 'Probe/2']).sip.userAgentOptionsAutoRespond, 'Probe/2');
    });
    it('an exact name wins over a longer option it prefixes (--sipd-t1 vs --sipd-t1x64)', () => {
      assert.deepEqual(options(['--sipd-t1', '300']).timers, { t1: 300, t2: 4000, t4: 5000, t1x64: 32000 });
    });
    it('rejects an ambiguous prefix, naming the candidates', () => {
      usageError(['--blacklist-redis-p', 'x'], /ambiguous.*--blacklist-redis-port.*--blacklist-redis-password/);
    });
    it('rejects an unknown long option, naming it', () => {
      usageError(['--frobnicate'], /unknown option '--frobnicate'/);
    });
    it('rejects an unknown short option, naming it', () => {
      usageError(['-q'], /unknown option '-q'/);
    });
    it('rejects a missing value, naming the option', () => {
      usageError(['--contact'], /'--contact' needs a value/);
      usageError(['-f'], /'-f \(--file\)' needs a value/);
    });
    it('rejects a value given to a flag', () => {
      usageError(['--noconfig=yes'], /'--noconfig' takes no value/);
    });
    it('rejects stray arguments', () => {
      usageError(['9022'], /unexpected argument '9022'/);
      usageError(['--', 'x'], /unexpected argument 'x'/);
    });
  });

  describe('-h/--help and -v/--version', () => {
    it('--help and -h return the usage text listing drachtio\'s options', () => {
      for (const flag of ['--help', '-h']) {
        const out = parse([flag]);
        assert.equal(out.kind, 'help');
        if (out.kind !== 'help') return;
        assert.equal(out.text, helpText());
        for (const name of ['--contact', '--external-ip', '--local-net', '--port', '--secret', '--loglevel', '--prometheus-scrape-port', '-f, --file']) {
          assert.ok(out.text.includes(name), `help mentions ${name}`);
        }
      }
    });
    it('--help wins over other options that would be refused', () => {
      assert.equal(parse(['--daemon', '--help']).kind, 'help');
    });
    it('--version and -v print sipd and its package version', () => {
      for (const flag of ['--version', '-v']) {
        const out = parse([flag]);
        assert.deepEqual(out, { kind: 'version', text: 'sipd 0.1.0' });
      }
    });
  });

  describe('--contact, --external-ip, --local-net, --dns-name', () => {
    it('is repeatable: each --contact is one listening point, in order', () => {
      const o = options([
        '--contact', 'sip:127.0.0.1:5080;transport=udp,tcp',
        '--contact', 'sip:127.0.0.1:8080;transport=ws',
        '--contact', 'sips:127.0.0.1:8443;transport=wss',
        '--contact', 'sips:127.0.0.1:5081;transport=tls',
        '--key-file', 'k.pem', '--cert-file', 'c.pem',
      ]);
      assert.deepEqual(o.contacts.map((c) => [c.scheme, c.host, c.port, c.transports]), [
        ['sip', '127.0.0.1', 5080, ['udp', 'tcp']],
        ['sip', '127.0.0.1', 8080, ['ws']],
        ['sips', '127.0.0.1', 8443, ['wss']],
        ['sips', '127.0.0.1', 5081, ['tls']],
      ]);
    });
    it('-c is --contact', () => {
      assert.equal(options(['-c', 'sip:127.0.0.1:5070']).contacts[0].port, 5070);
    });
    it('--external-ip and --local-net attach to the --contact before them', () => {
      const o = options([
        '--contact', 'sip:10.0.0.5:5060;transport=udp', '--external-ip', '198.51.100.7', '--local-net', '10.0.0.0/8',
        '--contact', 'sip:10.0.0.5:5062;transport=tcp',
      ]);
      assert.equal(o.contacts[0].externalIp, '198.51.100.7');
      assert.deepEqual(o.contacts[0].localNet, { network: '10.0.0.0', prefixLength: 8 });
      assert.equal(o.contacts[1].externalIp, undefined);
      assert.equal(o.contacts[1].localNet, undefined);
    });
    it('-x and -n are --external-ip and --local-net', () => {
      const c = options(['-c', 'sip:10.0.0.5', '-x', '198.51.100.7', '-n', '10.0.0.0/8']).contacts[0];
      assert.equal(c.externalIp, '198.51.100.7');
      assert.equal(c.localNet?.prefixLength, 8);
    });
    it('--external-ip before any --contact is an error (drachtio: must follow a contact)', () => {
      usageError(['--external-ip', '198.51.100.7'], /--external-ip must follow a --contact/);
      usageError(['--local-net', '10.0.0.0/8'], /--local-net must follow a --contact/);
    });
    it('a second --external-ip or --local-net for one contact is an error', () => {
      usageError(['-c', 'sip:10.0.0.5', '-x', '198.51.100.7', '-x', '198.51.100.8'], /more than one --external-ip/);
      usageError(['-c', 'sip:10.0.0.5', '-n', '10.0.0.0/8', '-n', '10.1.0.0/16'], /more than one --local-net/);
    });
    it('--external-ip must be IPv4 and --local-net IPv4 CIDR', () => {
      usageError(['-c', 'sip:10.0.0.5', '-x', 'public.example.com'], /--external-ip.*IPv4/);
      usageError(['-c', 'sip:10.0.0.5', '-n', '10.0.0.0'], /--local-net.*CIDR/);
      usageError(['-c', 'sip:10.0.0.5', '-n', '10.0.0.0/33'], /--local-net.*CIDR/);
    });
    it('--dns-name adds names to the preceding contact', () => {
      const o = options(['-c', 'sip:10.0.0.5', '--dns-name', 'a.example', '--dns-name', 'b.example']);
      assert.deepEqual(o.contacts[0].dnsNames, ['a.example', 'b.example']);
    });
    it('a bad contact is an error naming it', () => {
      usageError(['--contact', 'http://x'], /invalid contact 'http:\/\/x'/);
    });
  });

  describe('app listener: --address, --port, --tls-port, --secret', () => {
    it('sets address, port and secret', () => {
      const o = options(['--address', '127.0.0.1', '--port', '9030', '--secret', 'cymru']);
      assert.deepEqual(o.admin, { address: '127.0.0.1', port: 9030, secret: 'cymru' });
    });
    it('--port must be 1-65535', () => {
      usageError(['--port', '0'], /--port.*1-65535/);
      usageError(['--port', '70000'], /--port/);
      usageError(['--port', 'abc'], /invalid value 'abc' for --port/);
    });
    it('--tls-port needs key, certificate (or chain) and DH parameters, as drachtio', () => {
      usageError(['--tls-port', '9033'], /--tls-port.*--dh-param/);
      const o = options(['--tls-port', '9033', '--key-file', 'k', '--cert-file', 'c', '--dh-param', 'dh']);
      assert.equal(o.admin.tlsPort, 9033);
    });
    it('--tls-port equal to --port is refused', () => {
      usageError(['--port', '9033', '--tls-port', '9033', '--key-file', 'k', '--cert-file', 'c', '--dh-param', 'dh'], /same as the app TCP port/);
    });
  });

  describe('--loglevel and --sofia-loglevel', () => {
    const cases: Array<[string, string]> = [['notice', 'error'], ['error', 'error'], ['warning', 'warn'], ['info', 'info'], ['debug', 'debug']];
    for (const [drachtio, pino] of cases) {
      it(`maps drachtio's '${drachtio}' to pino '${pino}'`, () => {
        const o = options(['--loglevel', drachtio]);
        assert.equal(o.logLevel, pino);
        assert.equal(o.drachtioLogLevel, drachtio);
      });
    }
    it('-l is --loglevel; an unknown level is an error listing the choices', () => {
      assert.equal(options(['-l', 'debug']).logLevel, 'debug');
      usageError(['--loglevel', 'trace'], /--loglevel.*notice, error, warning, info or debug/);
    });
    it('--sofia-loglevel 0-9 is accepted and has no effect; outside 0-9 is an error', () => {
      assert.deepEqual(options(['--sofia-loglevel', '9']), options([]));
      usageError(['--sofia-loglevel', '10'], /--sofia-loglevel/);
    });
  });

  describe('TLS: --key-file, --cert-file, --chain-file, --dh-param, --min-tls-version, --tls-cipherlist', () => {
    it('sets each file and option', () => {
      const o = options(['--key-file', 'k.pem', '--cert-file', 'c.pem', '--chain-file', 'ch.pem', '--dh-param', 'dh.pem',
        '--min-tls-version', '1.2', '--tls-cipherlist', 'HIGH:!aNULL']);
      assert.deepEqual(o.tls, { keyFile: 'k.pem', certFile: 'c.pem', chainFile: 'ch.pem', dhParamFile: 'dh.pem', minVersion: 'TLSv1.2', cipherList: 'HIGH:!aNULL' });
    });
    it('--min-tls-version maps 1.0/1.1/1.2/1.3 to Node\'s names and refuses others', () => {
      assert.equal(options(['--min-tls-version', '1.0']).tls.minVersion, 'TLSv1');
      assert.equal(options(['--min-tls-version', '1.1']).tls.minVersion, 'TLSv1.1');
      assert.equal(options(['--min-tls-version', '1.3']).tls.minVersion, 'TLSv1.3');
      usageError(['--min-tls-version', '2'], /--min-tls-version/);
    });
    it('a tls or wss contact without key and certificate is an error naming the contact', () => {
      usageError(['-c', 'sips:127.0.0.1:5061;transport=tls'], /contact sips:127\.0\.0\.1:5061;transport=tls needs a TLS key and certificate/);
      usageError(['-c', 'sips:127.0.0.1:443;transport=wss', '--key-file', 'k'], /needs a TLS key and certificate/);
    });
  });

  describe('--prometheus-scrape-port [address:]port', () => {
    it('a bare port listens on 0.0.0.0', () => {
      assert.deepEqual(options(['--prometheus-scrape-port', '9099']).metrics, { address: '0.0.0.0', port: 9099 });
    });
    it('address:port sets both', () => {
      assert.deepEqual(options(['--prometheus-scrape-port', '127.0.0.1:9099']).metrics, { address: '127.0.0.1', port: 9099 });
    });
    it('port 0 means not set (drachtio\'s convention)', () => {
      assert.equal(options(['--prometheus-scrape-port', '0']).metrics, undefined);
    });
    it('a bad value is an error', () => {
      usageError(['--prometheus-scrape-port', 'x:y'], /--prometheus-scrape-port.*\[address:\]port/);
      usageError(['--prometheus-scrape-port', '70000'], /--prometheus-scrape-port/);
    });
  });

  describe('SIP behaviour options', () => {
    it('--mtu sets the UDP size limit', () => {
      assert.equal(options(['--mtu', '4096']).limits.udpMtu, 4096);
      usageError(['--mtu', '-1'], /--mtu/);
    });
    it('--tcp-keepalive-interval sets SIP TCP keep-alives (0 = off)', () => {
      assert.equal(options(['--tcp-keepalive-interval', '0']).sip.tcpKeepaliveSecs, 0);
      assert.equal(options(['--tcp-keepalive-interval', '20']).sip.tcpKeepaliveSecs, 20);
    });
    it('the flags switch their behaviour on', () => {
      const o = options(['--reject-register-with-no-realm', '--aggressive-nat-detection', '--disable-nat-detection', '--always-send-180']);
      assert.equal(o.sip.rejectRegisterWithNoRealm, true);
      assert.equal(o.sip.aggressiveNatDetection, true);
      assert.equal(o.sip.disableNatDetection, true);
      assert.equal(o.sip.alwaysSend180, true);
    });
    it('--user-agent-options-auto-respond takes the User-Agent value', () => {
      assert.equal(options(['--user-agent-options-auto-respond', 'JsSIP 3.8.2']).sip.userAgentOptionsAutoRespond, 'JsSIP 3.8.2');
    });
  });

  describe('--sipd-* extras', () => {
    it('--sipd-t1/-t2/-t4/-t1x64 set the timers in ms', () => {
      const o = options(['--sipd-t1', '100', '--sipd-t2', '800', '--sipd-t4', '1000', '--sipd-t1x64', '6400']);
      assert.deepEqual(o.timers, { t1: 100, t2: 800, t4: 1000, t1x64: 6400 });
    });
    it('T2 below T1 is refused', () => {
      usageError(['--sipd-t1', '5000', '--sipd-t2', '4000'], /T2.*T1/);
    });
    it('--sipd-max-message-size sets the limit; below 1024 is refused', () => {
      assert.equal(options(['--sipd-max-message-size', '131072']).limits.maxMessageSize, 131072);
      usageError(['--sipd-max-message-size', '100'], /--sipd-max-message-size/);
    });
  });

  describe('options drachtio has and sipd does not implement', () => {
    it('--daemon is refused with a message saying to run in the foreground', () => {
      usageError(['--daemon'], /--daemon is not supported: sipd runs in the foreground/);
    });
    it('--http-handler and --http-method are refused (no HTTP request routing)', () => {
      usageError(['--http-handler', 'http://127.0.0.1:3000'], /--http-handler is not supported/);
      usageError(['-m', 'POST'], /-m \(--http-method\) is not supported/);
    });
    it('--user, --homer, --homer-id, --blacklist-*, --memory-debug, --globally-readable-logs are accepted with a warning', () => {
      const { warnings } = run(['--secret', 's', '-u', 'drachtio', '--homer', '10.0.0.1:9060', '--homer-id', '10',
        '--blacklist-redis-address', '127.0.0.1', '--blacklist-redis-key', 'bl', '--memory-debug', '--globally-readable-logs']);
      for (const o of ['-u', '--homer', '--homer-id', '--blacklist-redis-address', '--blacklist-redis-key', '--memory-debug', '--globally-readable-logs']) {
        assert.ok(warnings.some((w) => w.startsWith(`${o === '-u' ? '-u (--user)' : o} ignored`)), `warning for ${o}`);
      }
    });
    it('--stdout is accepted silently (sipd always logs to stdout)', () => {
      assert.deepEqual(run(['--secret', 's', '--stdout']).warnings, []);
    });
  });
});
