// Sending SMS: one interface, a generic HTTP provider adapter (form or JSON POST with basic auth,
// the shape most gateways take: from, to, text) and a development provider that writes to the log.
import type { Logger } from '@openline/log';

export interface SmsMessage {
  /** E.164 with '+'. */
  to: string;
  text: string;
}

export interface SmsProvider {
  /** Resolves with the provider's message id; rejects with SmsError. */
  send(msg: SmsMessage): Promise<string>;
}

export class SmsError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'SmsError';
  }
}

export interface HttpSmsOptions {
  url: string;
  format: 'form' | 'json';
  username: string;
  password: string;
  from: string;
  timeoutMs: number;
}

/**
 * POSTs {from, to, text} (to without '+', as gateways such as Nexmo/Vonage expect) to the
 * configured URL, with HTTP basic auth when a username is set. A 2xx answer is a sent message;
 * its id is read from the JSON body (messageId, message_id or id) when there is one.
 */
export class HttpSmsProvider implements SmsProvider {
  constructor(private readonly o: HttpSmsOptions) {}

  async send(msg: SmsMessage): Promise<string> {
    const fields = { from: this.o.from, to: msg.to.replace(/^\+/, ''), text: msg.text };
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string;
    if (this.o.format === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(fields);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(fields).toString();
    }
    if (this.o.username) {
      headers.authorization = `Basic ${Buffer.from(`${this.o.username}:${this.o.password}`).toString('base64')}`;
    }
    let res: globalThis.Response;
    try {
      res = await fetch(this.o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.o.timeoutMs) });
    } catch (err) {
      throw new SmsError(`SMS provider unreachable: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) throw new SmsError(`SMS provider answered ${res.status}: ${text.slice(0, 200)}`, res.status);
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      const id = j.messageId ?? j.message_id ?? j.id;
      return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
    } catch {
      return '';
    }
  }
}

/** Development: the message goes to the API's log (never use in production: codes are readable). */
export class LogSmsProvider implements SmsProvider {
  private seq = 0;
  constructor(private readonly logger: Logger) {}
  send(msg: SmsMessage): Promise<string> {
    const id = `log-${++this.seq}`;
    this.logger.info({ sms: { to: msg.to, text: msg.text, id } }, 'SMS (log provider)');
    return Promise.resolve(id);
  }
}
