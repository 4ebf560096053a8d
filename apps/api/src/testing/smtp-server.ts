// A local SMTP server (npm smtp-server) for tests: requires AUTH with the configured credentials
// (plain-text auth allowed on loopback), checks sender and recipient addresses and the size
// limit, keeps each message with its decoded text body.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  raw: string;
}

export interface SmtpTestServer {
  port: number;
  messages: ReceivedMail[];
  next(to: string, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

function decodeQuotedPrintable(s: string): string {
  const bytes = s.replace(/=\r?\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Headers and the text of a single-part message (what the API sends). */
export function parseMessage(raw: string): { subject: string; text: string } {
  const split = raw.search(/\r?\n\r?\n/);
  const head = raw.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(head)?.[1]?.trim() ?? '';
  const enc = header('Content-Transfer-Encoding').toLowerCase();
  const text = enc === 'quoted-printable' ? decodeQuotedPrintable(body)
    : enc === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') : body;
  return { subject: header('Subject'), text: text.replace(/\r\n/g, '\n') };
}

export async function startSmtpTestServer(o: { user: string; password: string; maxBytes?: number }): Promise<SmtpTestServer> {
  const messages: ReceivedMail[] = [];
  const waiters: Array<{ to: string; resolve: (m: ReceivedMail) => void }> = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    secure: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    authMethods: ['PLAIN', 'LOGIN'],
    size: o.maxBytes ?? 1024 * 1024,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === o.user && auth.password === o.password) return cb(null, { user: auth.username });
      return cb(new Error('535 authentication failed'));
    },
    onMailFrom(address: SMTPServerAddress, session, cb) {
      if (!session.user) return cb(Object.assign(new Error('530 authentication required'), { responseCode: 530 }));
      const m = /<?([^<>\s]+)>?$/.exec(address.address)?.[1] ?? '';
      return ADDRESS.test(m) ? cb() : cb(Object.assign(new Error('553 invalid sender'), { responseCode: 553 }));
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      return ADDRESS.test(address.address) ? cb() : cb(Object.assign(new Error('553 invalid recipient'), { responseCode: 553 }));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return cb(Object.assign(new Error('552 message too large'), { responseCode: 552 }));
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const { subject, text } = parseMessage(raw);
        const mailFrom = session.envelope.mailFrom;
        const m: ReceivedMail = {
          from: mailFrom ? mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), subject, text, raw,
        };
        messages.push(m);
        const w = waiters.findIndex((x) => m.to.includes(x.to));
        if (w >= 0) { taken.add(m); waiters.splice(w, 1)[0].resolve(m); }
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    messages,
    next: (to, timeoutMs = 5000) => new Promise((resolve, reject) => {
      const ready = messages.find((m) => m.to.includes(to) && !taken.has(m));
      if (ready) { taken.add(ready); return resolve(ready); }
      const t = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
      waiters.push({ to, resolve: (m) => { clearTimeout(t); resolve(m); } });
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
