/// <reference types="mocha" />
// sipdOptionsOrExit: what main() gets — help/version on stdout with exit 0, a one-line error on
// stderr with exit 2, warnings on stderr and the options otherwise.
import assert from 'node:assert/strict';
import type { CliIo } from '../../src/cli';
import { sipdOptionsOrExit } from '../../src/cli';
import { files } from './helpers';

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function capture(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t), exit: (code) => { throw new Exit(code); } },
  };
}

function exitCode(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof Exit) return e.code;
    throw e;
  }
  return assert.fail('expected exit');
}

describe('sipdOptionsOrExit', () => {
  it('prints the help on stdout and exits 0', () => {
    const c = capture();
    assert.equal(exitCode(() => sipdOptionsOrExit(['--help'], {}, c.io, files())), 0);
    assert.match(c.out.join(''), /^Usage: sipd \[OPTIONS\]/);
    assert.deepEqual(c.err, []);
  });
  it('prints the version on stdout and exits 0', () => {
    const c = capture();
    assert.equal(exitCode(() => sipdOptionsOrExit(['--version'], {}, c.io, files())), 0);
    assert.deepEqual(c.out, ['sipd 0.1.0\n']);
  });
  it('prints one line naming the bad option on stderr and exits 2', () => {
    const c = capture();
    assert.equal(exitCode(() => sipdOptionsOrExit(['--nope'], {}, c.io, files())), 2);
    assert.deepEqual(c.err, ["sipd: unknown option '--nope' (see --help)\n"]);
    assert.deepEqual(c.out, []);
  });
  it('prints warnings on stderr and returns the options', () => {
    const c = capture();
    const o = sipdOptionsOrExit(['--port', '9101', '--homer', '10.0.0.1'], {}, c.io, files());
    assert.equal(o.admin.port, 9101);
    assert.ok(c.err.some((l) => l.startsWith('sipd: warning: --homer ignored')));
    assert.ok(c.err.every((l) => l.endsWith('\n')));
  });
});
