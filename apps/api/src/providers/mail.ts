// Sending email: one interface, an SMTP implementation (nodemailer) and a development one that
// writes to the log. Messages are plain text: links must survive any client.
import type { Logger } from '@openline/log';
import { createTransport, type Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(msg: MailMessage): Promise<void>;
  close(): void;
}

export class MailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MailError';
  }
}

export interface SmtpOptions {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  password: string;
  from: string;
}

export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;

  constructor(private readonly o: SmtpOptions) {
    this.transport = createTransport({
      host: o.host, port: o.port, secure: o.secure,
      ...(o.user ? { auth: { user: o.user, pass: o.password } } : {}),
      connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000,
    });
  }

  async send(msg: MailMessage): Promise<void> {
    try {
      await this.transport.sendMail({ from: this.o.from, to: msg.to, subject: msg.subject, text: msg.text });
    } catch (err) {
      throw new MailError(`SMTP ${this.o.host}:${this.o.port} refused the message: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.transport.close();
  }
}

export class LogMailer implements Mailer {
  constructor(private readonly logger: Logger) {}
  send(msg: MailMessage): Promise<void> {
    this.logger.info({ mail: msg }, 'mail (log transport)');
    return Promise.resolve();
  }
  close(): void { /* nothing held */ }
}
