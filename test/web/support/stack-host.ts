// Runs INSIDE the suite's network namespace (only `lo`): starts the project's stack with its own
// supervisor (startStack), then serves the mocha process over stdio, one JSON request per stdin line
// and one `RPC <json>` answer per stdout line: accounts, the API's call log, baresip phones, logs.
// Everything the browser talks to (API, sipd WSS, rtpengine, coturn, baresip) lives in this
// namespace, so nothing reaches the machine's network. Stops what it started on `shutdown`, on
// stdin EOF (the mocha process went away) and on SIGTERM.
//   ip netns exec NS node --require tsx/cjs stack-host.ts '<json HostConfig>'
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { AccountRepo } from '@openline/db';
import { PROJECT_SERVICES, startStack, type StackHandle } from '@openline/stack';
import { readWav, writeToneWav } from '../../b2bua/support/audio';
import { startBaresipPhone, type BaresipPhone } from '../../b2bua/support/baresip';

export interface HostConfig {
  dataDir: string;
  portBase: number;
}

/** What the host reports once the stack is up. */
export interface HostInfo {
  apiUrl: string;
  sipDomain: string;
  sipPort: number;
  wssPort: number;
  turnPort: number;
  services: string[];
}

export interface HostAccount {
  id: number;
  username: string;
  domain: string;
  sipPassword: string;
  webPassword: string;
}

/** A CDR row as the B2BUA wrote it (table cdrs), the fields the browser suites check. */
export interface HostCdr {
  caller_username: string | null;
  callee_username: string | null;
  disposition: string;
  talk_ms: number;
  a_codec: string | null;
  b_codec: string | null;
  a_media: unknown;
  b_media: unknown;
}

export type HostRequest =
  | { id: number; method: 'account'; params: { prefix: string } }
  | { id: number; method: 'http'; params: { method: 'GET' | 'POST'; path: string; body?: unknown; bearer?: string } }
  | { id: number; method: 'calls'; params: { login: string; password: string } }
  | { id: number; method: 'baresipStart'; params: { account: HostAccount; toneHz: number } }
  | { id: number; method: 'baresipCommand'; params: { phone: number; command: string; args?: string } }
  | { id: number; method: 'baresipEvent'; params: { phone: number; type: string; timeoutMs: number } }
  | { id: number; method: 'baresipEventParams'; params: { phone: number; type: string } }
  | { id: number; method: 'baresipRegistered'; params: { phone: number } }
  | { id: number; method: 'baresipStop'; params: { phone: number } }
  | { id: number; method: 'baresipHeard'; params: { phone: number } }
  | { id: number; method: 'cdrs'; params: { username: string } }
  | { id: number; method: 'log'; params: { service: string; lines: number } }
  | { id: number; method: 'shutdown'; params: Record<string, never> };

/**
 * The registry's services the browser tests need, by factory name: chat (ejabberd) is left out to
 * keep the start short.
 */
const WANTED = new Set(['sipdService', 'registrarService', 'b2buaService', 'apiService']);

function httpJson(port: number, method: string, urlPath: string, body?: unknown, bearer?: string): Promise<{ status: number; body: unknown; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath,
      headers: {
        ...(data ? { 'Content-Type': 'application/json', 'Content-Length': String(data.length) } : {}),
        ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let parsed: unknown = undefined;
        try { parsed = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body: parsed, text: text.slice(0, 4000) });
      });
    });
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
    if (data) req.write(data);
    req.end();
  });
}

async function main(cfg: HostConfig): Promise<void> {
  const out = (line: string): void => { process.stdout.write(`${line}\n`); };
  // Services read their config from the environment they inherit: one config for all of them.
  // baresip 1.0 (libre 1.1) gives up on any SHA-256 challenge, so digest is MD5 only here.
  process.env.OPENLINE_CONFIG = '';
  process.env.OPENLINE_REGISTRAR__DIGEST_ALGORITHMS = 'MD5';
  const env = { OPENLINE_REGISTRAR__DIGEST_ALGORITHMS: 'MD5' };
  const services = PROJECT_SERVICES.filter((f) => WANTED.has(f.name));
  let stack: StackHandle;
  try {
    stack = await startStack({ dataDir: cfg.dataDir, portBase: cfg.portBase, services, env, overrides: { log: { level: 'info' } } });
  } catch (err) {
    out(`FAILED ${JSON.stringify({ error: (err as Error).message })}`);
    process.exit(1);
  }
  const phones = new Map<number, BaresipPhone>();
  let nextPhone = 1;
  let seq = 0;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const p of phones.values()) await p.stop().catch(() => undefined);
      await stack.stop().catch(() => undefined);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => { void stop().then(() => process.exit(143)); });

  const info: HostInfo = {
    apiUrl: `http://127.0.0.1:${stack.ports.api}`, sipDomain: stack.config.sip.domain, sipPort: stack.ports.sip,
    wssPort: stack.ports.wss, turnPort: stack.ports.turn, services: Object.keys(stack.pids())
  };
  out(`READY ${JSON.stringify(info)}`);

  const phone = (n: number): BaresipPhone => {
    const p = phones.get(n);
    if (!p) throw new Error(`no baresip phone ${n}`);
    return p;
  };
  const handle = async (r: HostRequest): Promise<unknown> => {
    switch (r.method) {
      case 'account': {
        const username = `${r.params.prefix}${process.pid.toString(36)}${(seq++).toString(36)}${Date.now().toString(36).slice(-4)}`;
        const webPassword = `web-${username}-pw`;
        const sipPassword = `sip-${username}-pw`;
        const repo = new AccountRepo(stack.dbPool(), stack.secrets.sipPasswordKey, stack.config.sip.domain);
        const { account } = await repo.add({ username, password: sipPassword, webPassword, country: 'US' });
        const a: HostAccount = { id: account.id, username: account.username, domain: account.domain, sipPassword, webPassword };
        return a;
      }
      case 'http':
        return httpJson(stack.ports.api, r.params.method, r.params.path, r.params.body, r.params.bearer);
      case 'calls': {
        // A separate API session (no SIP credentials asked, so the browser's SIP password stays).
        const signin = await httpJson(stack.ports.api, 'POST', '/v1/auth/signin', {
          login: r.params.login, password: r.params.password, sip: false,
          device: { id: '6c1f0d4e-8a51-4d5b-9f0e-0c2a9e3b7d11', platform: 'other', name: 'web e2e checker' },
        });
        const token = (signin.body as { accessToken?: string } | undefined)?.accessToken;
        if (signin.status !== 200 || token === undefined) throw new Error(`sign-in for the call log: ${signin.status} ${signin.text}`);
        return httpJson(stack.ports.api, 'GET', '/v1/me/calls', undefined, token);
      }
      case 'baresipStart': {
        const wav = path.join(mkdtempSync(path.join(tmpdir(), 'web-e2e-tone-')), 'tone.wav');
        writeToneWav(wav, r.params.toneHz, 120);
        const a = r.params.account;
        const p = await startBaresipPhone({ user: a.username, domain: a.domain, password: a.sipPassword, proxyPort: stack.ports.sip, wav });
        const n = nextPhone++;
        phones.set(n, p);
        return { phone: n, pid: p.pid };
      }
      case 'baresipCommand':
        return phone(r.params.phone).command(r.params.command, r.params.args);
      case 'baresipEvent':
        await phone(r.params.phone).event(r.params.type, r.params.timeoutMs);
        return true;
      case 'baresipEventParams':
        return phone(r.params.phone).eventParams(r.params.type);
      case 'baresipRegistered':
        await phone(r.params.phone).registered();
        return true;
      case 'baresipHeard': {
        // The newest recording of what baresip received (sndfile): its loudest 50 ms frame (RMS).
        const files = phone(r.params.phone).received().map((f) => ({ f, t: statSync(f).mtimeMs })).sort((x, y) => y.t - x.t);
        if (files.length === 0) return { file: null, rms: -1, seconds: 0 };
        const pcm = readWav(files[0]!.f);
        const frame = Math.max(1, Math.round(pcm.rate / 20));
        let rms = 0;
        for (let i = 0; i + frame <= pcm.samples.length; i += frame) {
          let sum = 0;
          for (let j = i; j < i + frame; j++) sum += pcm.samples[j]! * pcm.samples[j]!;
          rms = Math.max(rms, Math.sqrt(sum / frame));
        }
        return { file: files[0]!.f, rms, seconds: pcm.samples.length / pcm.rate };
      }
      case 'baresipStop': {
        const p = phone(r.params.phone);
        phones.delete(r.params.phone);
        await p.stop();
        return true;
      }
      case 'cdrs': {
        const rows = await stack.dbPool().query<HostCdr[]>(
          `SELECT caller_username, callee_username, disposition, talk_ms, a_codec, b_codec, a_media, b_media FROM cdrs
           WHERE caller_username = ? OR callee_username = ? ORDER BY start_time DESC LIMIT 20`, [r.params.username, r.params.username]);
        return rows.map((x) => ({ ...x, talk_ms: Number(x.talk_ms) }));
      }
      case 'log': {
        const file = path.join(stack.paths.logDir, `${r.params.service}.log`);
        try {
          return readFileSync(file, 'utf8').split('\n').slice(-r.params.lines).join('\n');
        } catch {
          return '';
        }
      }
      case 'shutdown':
        await stop();
        return true;
    }
  };

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let req: HostRequest;
    try {
      req = JSON.parse(line) as HostRequest;
    } catch {
      return;
    }
    handle(req).then(
      (result) => {
        out(`RPC ${JSON.stringify({ id: req.id, result: result ?? null })}`);
        if (req.method === 'shutdown') process.exit(0);
      },
      (err: unknown) => out(`RPC ${JSON.stringify({ id: req.id, error: err instanceof Error ? err.message : String(err) })}`),
    );
  });
  rl.on('close', () => { void stop().then(() => process.exit(0)); });
}

if (require.main === module) {
  main(JSON.parse(process.argv[2] ?? '{}') as HostConfig).catch((err: unknown) => {
    process.stdout.write(`FAILED ${JSON.stringify({ error: err instanceof Error ? err.stack ?? err.message : String(err) })}\n`);
    process.exit(1);
  });
}
