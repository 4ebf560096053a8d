import * as assert from 'node:assert/strict';
import { int, list, nullable, parse } from '../src/args';
import { CliError } from '../src/errors';
import { output, table } from '../src/output';

describe('ctl: argument parsing', () => {
  it('reads flags and positionals, and an empty value as "clear"', () => {
    const { values, positionals } = parse(['alice', '--phone', '', '--port', '5061', '--inbound', 'a, b'],
      { phone: { type: 'string' }, port: { type: 'string' }, inbound: { type: 'string' } }, 1);
    assert.deepEqual(positionals, ['alice']);
    assert.equal(nullable(values, 'phone'), null);
    assert.equal(int(values, 'port'), 5061);
    assert.deepEqual(list(values, 'inbound'), ['a', 'b']);
  });

  it('refuses unknown flags, wrong argument counts and non-integers as usage errors (exit 2)', () => {
    const isUsage = (e: unknown): boolean => e instanceof CliError && e.exitCode === 2;
    assert.throws(() => parse(['--nope'], {}, 0), isUsage);
    assert.throws(() => parse([], {}, 1), isUsage);
    assert.throws(() => int(parse(['--port', 'x'], { port: { type: 'string' } }, 0).values, 'port'), isUsage);
  });
});

describe('ctl: output', () => {
  it('aligns a table with upper-case headers and "-" for empty cells', () => {
    assert.equal(table([{ a: 'x', b: null }, { a: 'long', b: ['p', 'q'] }], ['a', 'b']), 'A     B\nx     -\nlong  p,q\n');
  });

  it('prints JSON with --json and a note only for humans', () => {
    let out = '';
    output(true, (s) => { out += s; }).one({ a: 1 }, ['a'], 'secret note');
    assert.deepEqual(JSON.parse(out), { a: 1 });
    out = '';
    output(false, (s) => { out += s; }).one({ a: 1 }, ['a'], 'note');
    assert.equal(out, 'A\n1\nnote\n');
  });
});
