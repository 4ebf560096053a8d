/// <reference types="mocha" />
// Where settings come from and which wins, as in drachtio-server: config file, then DRACHTIO_*
// environment variables, then the command line (src/controller.cpp getEnv/parseCmdArgs/run).
import assert from 'node:assert/strict';
import { conf, files, options, run, usageError } from './helpers';

const FILE = conf(
  '<contacts><contact>sip:127.0.0.1:5060;transport=udp</contact><contact>sip:127.0.0.1:5062;transport=tcp</contact></contacts>',
  '<monitoring><prometheus port="9091">127.0.0.1</prometheus></monitoring><logging><loglevel>debug</loglevel></logging>',
);
const withFile = files({ '/d.xml': FILE });

describe('option precedence: file < environment < command line', () => {
  describe('command line over file', () => {
    it('--port, --secret, --address and --loglevel override <admin> and <loglevel>', () => {
      const o = options(['-f', '/d.xml', '--port', '9500', '--secret', 'cli', '--address', '127.0.0.2', '-l', 'error'], {}, withFile);
      assert.deepEqual(o.admin, { address: '127.0.0.2', port: 9500, secret: 'cli' });
      assert.equal(o.drachtioLogLevel, 'error');
    });
    it('any --contact replaces all of the file\'s contacts', () => {
      const o = options(['-f', '/d.xml', '--contact', 'sip:127.0.0.1:5090;transport=tcp'], {}, withFile);
      assert.deepEqual(o.contacts.map((c) => c.uri), ['sip:127.0.0.1:5090;transport=tcp']);
    });
    it('without --contact the file\'s contacts are kept', () => {
      assert.equal(options(['-f', '/d.xml'], {}, withFile).contacts.length, 2);
    });
    it('--prometheus-scrape-port overrides <monitoring><prometheus>; 0 leaves the file\'s', () => {
      assert.deepEqual(options(['-f', '/d.xml', '--prometheus-scrape-port', '9200'], {}, withFile).metrics, { address: '0.0.0.0', port: 9200 });
      assert.deepEqual(options(['-f', '/d.xml', '--prometheus-scrape-port', '0'], {}, withFile).metrics, { address: '127.0.0.1', port: 9091 });
    });
    it('--sipd-t1 overrides only T1 of the file\'s <timers>', () => {
      const access = files({ '/t.xml': conf('<timers><t1>250</t1><t4>2500</t4></timers>') });
      assert.deepEqual(options(['-f', '/t.xml', '--sipd-t1', '400'], {}, access).timers, { t1: 400, t2: 4000, t4: 2500, t1x64: 32000 });
    });
  });

  describe('DRACHTIO_* environment', () => {
    const env = {
      DRACHTIO_ADMIN_ADDRESS: '127.0.0.3', DRACHTIO_ADMIN_TCP_PORT: '9600', DRACHTIO_SECRET: 'env',
      DRACHTIO_LOGLEVEL: 'warning', DRACHTIO_PROMETHEUS_SCRAPE_PORT: '127.0.0.1:9300',
      DRACHTIO_TLS_KEY_FILE: 'k', DRACHTIO_TLS_CERT_FILE: 'c', DRACHTIO_TLS_CHAIN_FILE: 'ch', DRACHTIO_TLS_DH_PARAM_FILE: 'dh',
      DRACHTIO_MIN_TLS_VERSION: '1.2', DRACHTIO_TLS_CIPHER_LIST: 'HIGH', DRACHTIO_UDP_MTU: '3000',
      DRACHTIO_TCP_KEEPALIVE_INTERVAL: '10', DRACHTIO_USER_AGENT_OPTIONS_AUTO_RESPOND: 'UA',
      DRACHTIO_REJECT_REGISTER_WITH_NO_REALM: '1', DRACHTIO_AGRESSIVE_NAT_DETECTION: '1', DRACHTIO_ADMIN_TLS_PORT: '9601',
    };
    it('overrides the file', () => {
      const o = options(['-f', '/d.xml'], env, withFile);
      assert.deepEqual(o.admin, { address: '127.0.0.3', port: 9600, secret: 'env', tlsPort: 9601 });
      assert.equal(o.drachtioLogLevel, 'warning');
      assert.deepEqual(o.metrics, { address: '127.0.0.1', port: 9300 });
      assert.deepEqual(o.tls, { keyFile: 'k', certFile: 'c', chainFile: 'ch', dhParamFile: 'dh', minVersion: 'TLSv1.2', cipherList: 'HIGH' });
      assert.equal(o.limits.udpMtu, 3000);
      assert.equal(o.sip.tcpKeepaliveSecs, 10);
      assert.equal(o.sip.userAgentOptionsAutoRespond, 'UA');
      assert.equal(o.sip.rejectRegisterWithNoRealm, true);
      assert.equal(o.sip.aggressiveNatDetection, true);
    });
    it('is overridden by the command line', () => {
      const o = options(['-f', '/d.xml', '--port', '9700', '--secret', 'cli', '-l', 'info'], env, withFile);
      assert.equal(o.admin.port, 9700);
      assert.equal(o.admin.secret, 'cli');
      assert.equal(o.drachtioLogLevel, 'info');
    });
    it('DRACHTIO_CONFIG_FILE_PATH names the file; -f beats it', () => {
      const access = files({ '/d.xml': FILE, '/e.xml': conf('<contact>sip:127.0.0.1:5555</contact>') });
      assert.equal(options([], { DRACHTIO_CONFIG_FILE_PATH: '/e.xml' }, access).contacts[0].port, 5555);
      assert.equal(options(['-f', '/d.xml'], { DRACHTIO_CONFIG_FILE_PATH: '/e.xml' }, access).contacts[0].port, 5060);
    });
    it('empty variables count as unset', () => {
      assert.equal(options([], { DRACHTIO_SECRET: '', DRACHTIO_ADMIN_TCP_PORT: '' }).admin.port, 9022);
    });
    it('a malformed value is an error naming the variable', () => {
      usageError([], /DRACHTIO_ADMIN_TCP_PORT='x'/, { DRACHTIO_ADMIN_TCP_PORT: 'x' });
      usageError([], /DRACHTIO_LOGLEVEL='loud'/, { DRACHTIO_LOGLEVEL: 'loud' });
      usageError([], /DRACHTIO_PROMETHEUS_SCRAPE_PORT/, { DRACHTIO_PROMETHEUS_SCRAPE_PORT: 'a:b' });
    });
    it('DRACHTIO_HTTP_HANDLER_URI is refused; Homer/blacklist variables are warnings', () => {
      usageError([], /DRACHTIO_HTTP_HANDLER_URI.*not supported/, { DRACHTIO_HTTP_HANDLER_URI: 'http://127.0.0.1' });
      const { warnings } = run(['--secret', 's'], { DRACHTIO_HOMER_ADDRESS: '10.0.0.1', DRACHTIO_BLACKLIST_REDIS_KEY: 'k' });
      assert.ok(warnings.some((w) => w.startsWith('DRACHTIO_HOMER_ADDRESS')));
      assert.ok(warnings.some((w) => w.startsWith('DRACHTIO_BLACKLIST_REDIS_KEY')));
    });
    it('unrelated variables are ignored', () => {
      assert.deepEqual(run(['--secret', 's'], { PATH: '/bin', DRACHTIO_SOMETHING_NEW: 'x' }).warnings, []);
    });
  });

  describe('the default config file /etc/drachtio.conf.xml', () => {
    const access = files({ '/etc/drachtio.conf.xml': conf('<contact>sip:127.0.0.1:5444</contact>') });
    it('is read when it exists and no file is named', () => {
      const o = options([], {}, access);
      assert.equal(o.configFile, '/etc/drachtio.conf.xml');
      assert.equal(o.contacts[0].port, 5444);
    });
    it('is not required: without it sipd runs on options alone', () => {
      assert.equal(options([], {}, files()).configFile, undefined);
    });
    it('--noconfig skips it', () => {
      const o = options(['--noconfig'], {}, access);
      assert.equal(o.configFile, undefined);
      assert.equal(o.contacts[0].port, 5060);
    });
  });
});
