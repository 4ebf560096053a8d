// Pure parts of the SIP benchmark harness: command splitting, steady-window rate, medians,
// and the report saying "not measured" instead of dropping a target.
// Run: npx mocha --no-config --require tsx/cjs 'bench/sip/test/**/*.spec.ts'
import assert from 'node:assert';
import { splitCommand, shellLine, DEFAULT_SIPD_CMD } from '../targets';
import { steadyRate } from '../measure';
import { median } from '../procstat';
import { renderMarkdown, type RunInfo } from '../report';

const row = (t: number, ok: number): Record<string, string> => ({ CurrentTime: `d\tt\t${t}`, 'SuccessfulCall(C)': String(ok) });

describe('bench harness: command lines', () => {
  it('keeps a double-quoted argument with ; and , as one word', () => {
    const argv = splitCommand(DEFAULT_SIPD_CMD);
    assert.strictEqual(argv[0], 'bin/sipd');
    assert.strictEqual(argv[2], 'sip:127.0.0.1:{SIP_PORT};transport=udp,tcp');
    assert.deepStrictEqual(argv.slice(-2), ['--loglevel', 'error']);
  });
  it('quotes words with shell metacharacters when printing', () => {
    assert.strictEqual(shellLine(['a', 'b;c']), "a 'b;c'");
  });
});

describe('bench harness: steady-window rate', () => {
  it('leaves out the ramp-up second and stops at the stop request', () => {
    const rows = [row(100, 0), row(101, 500), row(102, 1500), row(103, 2500), row(104, 2600)];
    // window 101..103: (2500 - 500) / 2 s
    assert.strictEqual(steadyRate(rows, 1, 103.5), 1000);
  });
  it('gives up (undefined) with fewer than two rows in the window', () => {
    assert.strictEqual(steadyRate([row(100, 0), row(101, 10)], 1, 101.5), undefined);
  });
  it('median of an odd and an even list', () => {
    assert.strictEqual(median([3, 1, 2]), 2);
    assert.strictEqual(median([4, 1, 2, 3]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});

describe('bench harness: report', () => {
  it('reports a target that could not start as "not measured: <reason>"', () => {
    const info: RunInfo = { date: 'd', machine: 'm', rounds: 1, durationSec: 1, limit: 1, serverCpu: '0', clientCpu: '1',
      kamailioChildren: 2, commands: {}, notMeasured: [{ target: 'sipd', round: 1, reason: 'bin/sipd does not exist yet' }] };
    const md = renderMarkdown(info, [], ['options'], ['kamailio', 'sipd']);
    assert.match(md, /\| options \| not measured \| not measured: bin\/sipd does not exist yet \| n\/a \|/);
  });
});
