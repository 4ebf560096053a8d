// The SIPp runner's parsing of SIPp's files and the Kamailio template rendering.
import assert from 'node:assert';
import { lastCsvRow, csvRows, parseSippDurationMs, sippEpochSec, buildSippArgs } from '../support/sipp';
import { renderTemplate } from './kamailio';

const STAT = [
  'CurrentTime;ElapsedTime(C);SuccessfulCall(C);FailedCall(C);',
  '2026-11-22\t06:26:07.1\t1795328767.100000;00:00:00:000000;0;0;',
  '2026-11-22\t06:26:08.1\t1795328768.100000;00:00:01:000000;950;1;',
  '',
].join('\n');

describe('SIPp runner: stat CSV parsing', () => {
  it('lastCsvRow keys the last data row by the header names', () => {
    const r = lastCsvRow(STAT);
    assert.strictEqual(r['SuccessfulCall(C)'], '950');
    assert.strictEqual(r['FailedCall(C)'], '1');
  });
  it('csvRows returns every data row in order', () => {
    assert.deepStrictEqual(csvRows(STAT).map((r) => r['SuccessfulCall(C)']), ['0', '950']);
  });
  it('lastCsvRow of a file without data rows is empty', () => {
    assert.deepStrictEqual(lastCsvRow('A;B;\n'), {});
  });
  it('parses SIPp durations HH:MM:SS and HH:MM:SS:us into ms', () => {
    assert.strictEqual(parseSippDurationMs('00:01:02'), 62000);
    assert.strictEqual(parseSippDurationMs('00:00:01:500000'), 1500);
    assert.strictEqual(parseSippDurationMs('garbage'), 0);
  });
  it('takes the epoch seconds from the last tab field of a time cell', () => {
    assert.strictEqual(sippEpochSec('2026-11-22\t06:26:08.1\t1795328768.100000'), 1795328768.1);
  });
});

describe('SIPp runner: command line', () => {
  it('puts scenario, remote, proxy, rate options, injection and trace files on the command line', () => {
    const a = buildSippArgs({ scenario: 'uac-options.xml', remote: '127.0.0.1:5999', outboundProxy: '127.0.0.1:5060',
      transport: 't1', calls: 3, rate: 10, limit: 2, lostPercent: 5, injectionFiles: ['/x/users.csv'], keys: { k: 'v' } },
    4000, '/tmp/out');
    const s = a.join(' ');
    assert.match(s, /^-sf \S+\/test\/sipp\/uac-options\.xml 127\.0\.0\.1:5999 -rsa 127\.0\.0\.1:5060 /);
    for (const part of ['-p 4000', '-t t1', '-m 3', '-r 10', '-l 2', '-lost 5', '-inf /x/users.csv', '-key k v',
      '-stf /tmp/out/stat.csv', '-trace_counts', '-error_file /tmp/out/errors.log', '-nostdin']) {
      assert.ok(s.includes(part), `missing "${part}" in ${s}`);
    }
  });
  it('refuses a scenario file that does not exist', () => {
    assert.throws(() => buildSippArgs({ scenario: 'no-such.xml' }, 4000, '/tmp/out'), /not found/);
  });
});

describe('Kamailio config template', () => {
  it('fills every {{NAME}} placeholder', () => {
    assert.strictEqual(renderTemplate('listen=udp:127.0.0.1:{{PORT}} x={{PORT}}', { PORT: 5 }), 'listen=udp:127.0.0.1:5 x=5');
  });
  it('fails on a placeholder without a value instead of leaving it in the config', () => {
    assert.throws(() => renderTemplate('a={{MISSING}}', {}), /MISSING/);
  });
});
