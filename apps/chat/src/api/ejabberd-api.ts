// ejabberd's REST admin API (mod_http_api), loopback only, as the glue's service user. Commands
// and argument names are ejabberd 23.01's (ejabberdctl help <command>).
export class EjabberdApiError extends Error {
  constructor(readonly command: string, readonly status: number, message: string) {
    super(`ejabberd ${command}: ${message}`);
    this.name = 'EjabberdApiError';
  }
}

export interface EjabberdApiOptions {
  /** http://127.0.0.1:PORT/api */
  url: string;
  /** user@domain of the API service user. */
  user: string;
  password: string;
  timeoutMs?: number;
}

export class EjabberdApi {
  private readonly auth: string;

  constructor(private readonly opts: EjabberdApiOptions) {
    this.auth = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  }

  async call<T = unknown>(command: string, args: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${this.opts.url}/${command}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: this.auth },
      body: JSON.stringify(args),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10000),
    });
    const text = await res.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : null; } catch { /* plain text answer */ }
    if (!res.ok) {
      const msg = typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : text;
      throw new EjabberdApiError(command, res.status, msg || `HTTP ${res.status}`);
    }
    return body as T;
  }

  /** Commands that answer 0 on success (ejabberd's "rescode"/integer results). */
  async ok(command: string, args: Record<string, unknown>): Promise<void> {
    const r = await this.call<unknown>(command, args);
    if (typeof r === 'number' && r !== 0) throw new EjabberdApiError(command, 200, `status ${r}`);
  }
}
