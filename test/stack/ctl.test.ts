// bin/ctl, spawned as a process against the shared stack: provisioning works, and bad input is
// refused with a clear one-line message and a non-zero exit code.
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { StackHandle } from '@openline/stack';
import { getSharedStack, repoRoot, stackEnv } from '../support/stack';

interface CtlResult { code: number; stdout: string; stderr: string }

function ctl(stack: StackHandle, ...args: string[]): Promise<CtlResult> {
  return new Promise((resolve) => {
    execFile(path.join(repoRoot(), 'bin', 'ctl'), args, { env: stackEnv(stack), timeout: 15000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function json<T>(r: CtlResult): T {
  assert.equal(r.code, 0, `ctl failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

describe('ctl: provisioning through bin/ctl', function () {
  this.timeout(30000);
  let stack: StackHandle;
  // Unique per run so the suite also passes against a reused data dir.
  const user = `alice${process.pid}`;
  const domain = 'ctl.test';
  const phone = `+1415${String(process.pid).padStart(7, '0').slice(-7)}`;
  const did = `+1628${String(process.pid).padStart(7, '0').slice(-7)}`;

  before(async function () {
    this.timeout(120000);
    stack = await getSharedStack();
  });

  it('adds an account with a generated SIP password shown once', async () => {
    const out = json<{ username: string; domain: string; phone: string; status: string; password: string }>(
      await ctl(stack, '--json', 'account', 'add', `${user}@${domain}`, '--phone', phone, '--email', 'a@example.com', '--country', 'se'));
    assert.equal(out.username, user);
    assert.equal(out.domain, domain);
    assert.equal(out.phone, phone);
    assert.equal(out.status, 'active');
    assert.match(out.password, /^[A-Za-z0-9_-]{20}$/);
    const shown = json<Record<string, unknown>>(await ctl(stack, '--json', 'account', 'show', `${user}@${domain}`));
    assert.equal(shown.password, undefined, 'the password is not shown again');
    assert.equal(shown.country, 'SE');
  });

  it('assigns a DID to the account and lists both', async () => {
    const n = json<{ e164: string; account: string }>(await ctl(stack, '--json', 'number', 'add', did, '--account', `${user}@${domain}`));
    assert.deepEqual([n.e164, n.account], [did, `${user}@${domain}`]);
    const accounts = json<Array<{ username: string; domain: string }>>(await ctl(stack, '--json', 'account', 'list', '--domain', domain));
    assert.ok(accounts.some((a) => a.username === user && a.domain === domain));
    const numbers = json<Array<{ e164: string; account: string }>>(await ctl(stack, '--json', 'number', 'list', '--account', `${user}@${domain}`));
    assert.deepEqual(numbers.map((x) => x.e164), [did]);
  });

  it('prints a table without --json', async () => {
    const r = await ctl(stack, 'number', 'list');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^E164\s+ACCOUNT\s+DESCRIPTION\s+CREATEDAT$/m);
    assert.match(r.stdout, new RegExp(`^\\${did}\\s+${user}@${domain}`, 'm'));
  });

  it('refuses a duplicate account with exit code 1', async () => {
    const r = await ctl(stack, 'account', 'add', `${user}@${domain}`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `ctl: account ${user}@${domain} already exists`);
  });

  it('refuses a phone number already used by another account', async () => {
    const r = await ctl(stack, 'account', 'add', `bob${process.pid}@${domain}`, '--phone', phone);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ctl: phone number is already used by another account/);
  });

  it('refuses a duplicate DID with exit code 1', async () => {
    const r = await ctl(stack, 'number', 'add', did, '--account', `${user}@${domain}`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `ctl: number ${did} is already assigned`);
  });

  it('refuses a number that is not E.164 with exit code 2', async () => {
    const r = await ctl(stack, 'number', 'add', '0701234567', '--account', `${user}@${domain}`);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^ctl: number '0701234567' is not E\.164/);
    const r2 = await ctl(stack, 'account', 'add', `carol${process.pid}@${domain}`, '--phone', '+0123');
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /is not E\.164/);
  });

  it('refuses a DID for an unknown account', async () => {
    const r = await ctl(stack, 'number', 'add', '+16285550000', '--account', `nobody@${domain}`);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), `ctl: unknown account 'nobody@${domain}'`);
  });

  it('adds a trunk with inbound CIDRs and refuses a bad CIDR', async () => {
    const name = `carrier${process.pid}`;
    const t = json<{ name: string; inboundCidrs: string[]; register: boolean }>(await ctl(stack, '--json', 'trunk', 'add', name,
      '--host', '192.0.2.10', '--auth-user', 'u', '--auth-password', 'p', '--register', '--inbound', '192.0.2.0/24,2001:db8::/32'));
    assert.deepEqual(t.inboundCidrs, ['192.0.2.0/24', '2001:db8::/32']);
    assert.equal(t.register, true);
    const bad = await ctl(stack, 'trunk', 'add', `${name}b`, '--host', '192.0.2.11', '--inbound', '192.0.2.0/40');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^ctl: '192\.0\.2\.0\/40' is not a CIDR network/);
    const dup = await ctl(stack, 'trunk', 'add', name, '--host', '192.0.2.12');
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr.trim(), `ctl: trunk ${name} already exists`);
  });

  it('routes by dial plan: longest prefix wins, OFFNET needs a trunk', async () => {
    const trunk = `carrier${process.pid}`;
    const p = `+99${process.pid}`;
    json(await ctl(stack, '--json', 'dialplan', 'add', '--prefix', p.slice(0, 4), '--action', 'OFFNET', '--trunk', trunk));
    json(await ctl(stack, '--json', 'dialplan', 'add', '--prefix', p, '--action', 'ONNET'));
    const m = json<{ action: string; prefix: string }>(await ctl(stack, '--json', 'dialplan', 'match', `${p}1`));
    assert.deepEqual([m.action, m.prefix], ['ONNET', p]);
    const bad = await ctl(stack, 'dialplan', 'add', '--prefix', '+98', '--action', 'OFFNET');
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim(), 'ctl: an OFFNET rule needs --trunk');
  });

  it('refuses to remove an account that still has numbers, then removes it after its DID', async () => {
    const r = await ctl(stack, 'account', 'remove', `${user}@${domain}`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /still has numbers assigned/);
    assert.equal((await ctl(stack, 'number', 'remove', did)).code, 0);
    assert.equal((await ctl(stack, 'account', 'remove', `${user}@${domain}`)).code, 0);
    const gone = await ctl(stack, 'account', 'show', `${user}@${domain}`);
    assert.equal(gone.code, 1);
  });

  it('answers an unknown flag or command with usage errors (exit code 2)', async () => {
    const r = await ctl(stack, 'account', 'add', 'x', '--frobnicate');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ctl: Unknown option '--frobnicate'/);
    assert.equal((await ctl(stack, 'accounts', 'list')).code, 2);
  });

  it('says the database is unreachable (exit code 3) when pointed at a port with no stack', async () => {
    const r = await new Promise<CtlResult>((resolve) => {
      // A base with nothing on it, but the same data dir for the secrets.
      const env = { ...stackEnv(stack), OPENLINE_PORT_BASE: '1100' };
      execFile(path.join(repoRoot(), 'bin', 'ctl'), ['account', 'list'], { env }, (err, stdout, stderr) =>
        resolve({ code: err && typeof err.code === 'number' ? err.code : 0, stdout, stderr }));
    });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^ctl: cannot connect to MariaDB at 127\.0\.0\.1:1106 .*is the stack running\?/);
  });
});
