// A local HTTP server that plays an SMS gateway for tests and development, and checks what a real
// one checks: POST only, HTTP basic credentials, a form or JSON body with from, to and text, the
// destination as international digits, the sender at most 11 alphanumeric or 16 digit
// characters, the text within one or several concatenated SMS (≤ 1530 GSM-7 characters). Refusals
// use the statuses gateways use (401, 400, 405, 415); accepted messages are kept for the test.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedSms {
  from: string;
  to: string;
  text: string;
  id: string;
  at: number;
  contentType: string;
}

export interface SmsTestServer {
  url: string;
  messages: ReceivedSms[];
  /** Requests refused, with the reason, for assertions on the adapter. */
  refused: Array<{ status: number; reason: string }>;
  /** The next n requests are answered 503 (a provider outage). */
  failNext(n: number): void;
  /** The oldest message to `to` (E.164 with or without '+') not returned before; waits for one. */
  next(to: string, timeoutMs?: number): Promise<ReceivedSms>;
  close(): Promise<void>;
}

const MAX_TEXT = 1530;

export async function startSmsTestServer(o: { username: string; password: string; path?: string }): Promise<SmsTestServer> {
  const messages: ReceivedSms[] = [];
  const refused: SmsTestServer['refused'] = [];
  const waiters: Array<{ to: string; resolve: (m: ReceivedSms) => void }> = [];
  const taken = new Set<ReceivedSms>();
  let failing = 0;
  let seq = 0;
  const expectedAuth = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  const path = o.path ?? '/sms/json';

  const refuse = (res: http.ServerResponse, status: number, reason: string): void => {
    refused.push({ status, reason });
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: reason }));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') return refuse(res, 405, 'method not allowed');
      if (req.url !== path) return refuse(res, 404, 'unknown path');
      if (failing > 0) { failing--; return refuse(res, 503, 'service unavailable'); }
      if (req.headers.authorization !== expectedAuth) return refuse(res, 401, 'bad credentials');
      const type = (req.headers['content-type'] ?? '').split(';')[0].trim();
      const raw = Buffer.concat(chunks).toString('utf8');
      let fields: Record<string, unknown>;
      if (type === 'application/json') {
        try { fields = JSON.parse(raw) as Record<string, unknown>; } catch { return refuse(res, 400, 'invalid JSON'); }
      } else if (type === 'application/x-www-form-urlencoded') {
        fields = Object.fromEntries(new URLSearchParams(raw));
      } else {
        return refuse(res, 415, `unsupported content type ${type}`);
      }
      const { from, to, text } = fields;
      if (typeof from !== 'string' || !(/^[A-Za-z0-9 ]{1,11}$/.test(from) || /^\d{1,16}$/.test(from))) return refuse(res, 400, 'invalid from');
      if (typeof to !== 'string' || !/^[1-9]\d{6,14}$/.test(to)) return refuse(res, 400, 'invalid to: international digits without + or 00');
      if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) return refuse(res, 400, 'invalid text');
      const m: ReceivedSms = { from, to, text, id: `msg-${++seq}`, at: Date.now(), contentType: type };
      messages.push(m);
      const w = waiters.findIndex((x) => x.to === to);
      if (w >= 0) { taken.add(m); waiters.splice(w, 1)[0].resolve(m); }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messageId: m.id, status: 'accepted' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    messages,
    refused,
    failNext: (n) => { failing = n; },
    next: (to, timeoutMs = 5000) => new Promise((resolve, reject) => {
      const digits = to.replace(/^\+/, '');
      const ready = messages.find((m) => m.to === digits && !taken.has(m));
      if (ready) { taken.add(ready); return resolve(ready); }
      const t = setTimeout(() => reject(new Error(`no SMS to ${to} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ to: digits, resolve: (m) => { clearTimeout(t); resolve(m); } });
    }),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
