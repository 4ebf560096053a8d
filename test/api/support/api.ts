// An API instance for the integration suites: the real app (apps/api) in this process on an
// ephemeral port, against the shared stack's MariaDB and Redis, with its real SMS adapter talking
// to a local SMS gateway and its real SMTP mailer talking to a local SMTP server. Settings can be
// tightened per suite (limits, resend delay); rate-limit counters are private to the instance.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { Config } from '@openline/config';
import { silentLogger } from '@openline/log';
import type { StackHandle } from '@openline/stack';
import { OffsetClock, startApi, type RunningApi } from '@openline/api';
import { startSmsTestServer, startSmtpTestServer, type SmsTestServer, type SmtpTestServer } from '@openline/api/dist/src/testing';
import { getSharedStack } from '../../support/stack';

export interface TestApi {
  stack: StackHandle;
  api: RunningApi;
  sms: SmsTestServer;
  smtp: SmtpTestServer;
  clock: OffsetClock;
  call(method: string, path: string, o?: { token?: string; body?: unknown; headers?: Record<string, string>; raw?: Buffer }): Promise<HttpResult>;
  close(): Promise<void>;
}

export interface HttpResult {
  status: number;
  // Parsed JSON (or text) of the answer; tests read fields they check.
  body: Record<string, unknown> & { error?: { code: string; message: string; field?: string } };
  headers: Headers;
  text: string;
}

export async function startTestApi(overrides: Partial<Config['api']> = {}): Promise<TestApi> {
  const stack = await getSharedStack();
  const sms = await startSmsTestServer({ username: 'gw-user', password: 'gw-secret' });
  const smtp = await startSmtpTestServer({ user: 'mailer', password: 'mail-secret' });
  const clock = new OffsetClock();
  const base = stack.config.api;
  const config: Config = {
    ...stack.config,
    api: {
      ...base,
      signupPerIp: 10_000, signupPerIdentity: 10_000, signinFailuresPerIp: 10_000, requestsPerMinutePerIp: 100_000,
      ...overrides,
      sms: { ...base.sms, provider: 'http', url: sms.url, format: 'form', username: 'gw-user', password: 'gw-secret', from: 'openline' },
      mail: { ...base.mail, transport: 'smtp', host: '127.0.0.1', port: smtp.port, user: 'mailer', password: 'mail-secret', from: 'openline <no-reply@openline.test>' },
    },
  };
  const api = await startApi({
    config, secrets: stack.secrets, logger: silentLogger(), clock, port: 0,
    rateLimitPrefix: `test:${randomBytes(6).toString('hex')}:`,
  });
  const call: TestApi['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | Buffer | undefined;
    if (o.raw) body = o.raw;
    else if (o.body !== undefined) { body = JSON.stringify(o.body); headers['content-type'] ??= 'application/json'; }
    const res = await fetch(`${api.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: HttpResult['body'] = {};
    try { parsed = text ? JSON.parse(text) as HttpResult['body'] : {}; } catch { parsed = { text }; }
    return { status: res.status, body: parsed, headers: res.headers, text };
  };
  return {
    stack, api, sms, smtp, clock, call,
    close: async () => {
      await api.close();
      await sms.close();
      await smtp.close();
    },
  };
}

/**
 * The TestApi of the calling `describe`: started in a `before` hook, closed in an `after` hook.
 * Its members reach the started instance, so tests read it like the one startTestApi returns.
 */
export function suiteTestApi(overrides: Partial<Config['api']> = {}): TestApi {
  let current: TestApi | undefined;
  before(async () => {
    current = await startTestApi(overrides);
  });
  after(async () => {
    await current?.close();
  });
  const started = (): TestApi => {
    if (!current) throw new Error('the suite\'s TestApi is started in its before hook');
    return current;
  };
  return {
    get stack() { return started().stack; },
    get api() { return started().api; },
    get sms() { return started().sms; },
    get smtp() { return started().smtp; },
    get clock() { return started().clock; },
    call: (method, path, o) => started().call(method, path, o),
    close: () => started().close(),
  };
}

let seq = 0;
const usedNumbers = new Set<string>();

/** Random digits not handed out before in this process (one shared stack per mocha run). */
function freshDigits(length: number): string {
  for (;;) {
    const d = String(randomInt(0, 10 ** length)).padStart(length, '0');
    if (!usedNumbers.has(`${length}:${d}`)) {
      usedNumbers.add(`${length}:${d}`);
      return d;
    }
  }
}

/**
 * A UK mobile number (+44 7400 xxxxxx). Not 7700: parts of that block belong to Jersey (JE) in
 * libphonenumber's metadata, so a random number there is sometimes not GB.
 */
export function ukMobile(): { e164: string; national: string; digits: string } {
  const sub = freshDigits(6);
  return { e164: `+447400${sub}`, national: `07400${sub}`, digits: `447400${sub}` };
}

/** A Polish mobile (+48 6xx xxx xxx). */
export function plMobile(): { e164: string; national: string; local: string } {
  const sub = `6${freshDigits(8)}`;
  return { e164: `+48${sub}`, national: `0${sub}`, local: sub };
}

export function newDevice(platform = 'android'): { id: string; udid: string; platform: string } {
  return { id: randomUUID(), udid: `udid-${randomBytes(8).toString('hex')}`, platform };
}

export function uniqueName(tag: string): string {
  return `${tag}${Date.now().toString(36)}${(seq++).toString(36)}${randomBytes(2).toString('hex')}`;
}

/** The code in an SMS text ("Your openline code is 1234"). */
export function codeIn(text: string): string {
  const m = /(\d{4,6})/.exec(text);
  if (!m) throw new Error(`no code in SMS '${text}'`);
  return m[1];
}

/** The first link in a message. */
export function linkIn(text: string): string {
  const m = /(https?:\/\/\S+)/.exec(text);
  if (!m) throw new Error(`no link in '${text}'`);
  return m[1];
}

/** Signs up a phone user end to end (code by SMS) and returns its grant. */
export async function phoneUser(t: TestApi, phone = ukMobile().e164, device = newDevice()): Promise<{ phone: string; device: ReturnType<typeof newDevice>;
  grant: Record<string, unknown>; token: string; accountId: number }> {
  const start = await t.call('POST', '/v1/signup/phone', { body: { phone, device } });
  if (start.status !== 202) throw new Error(`sign-up start ${start.status}: ${start.text}`);
  const sms = await t.sms.next(phone);
  const v = await t.call('POST', '/v1/signup/phone/verify', { body: { phone, device, code: codeIn(sms.text) } });
  if (v.status !== 201 && v.status !== 200) throw new Error(`verify ${v.status}: ${v.text}`);
  const account = v.body.account as { id: number };
  return { phone, device, grant: v.body, token: v.body.accessToken as string, accountId: account.id };
}
