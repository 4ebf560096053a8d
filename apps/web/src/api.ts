// The API client: sign-in, tokens kept in memory only (a reload signs out), one refresh and retry
// on a 401, the client config, SIP and TURN credentials and the call log.

export interface ClientConfig {
  sipDomain: string;
  wssUrl: string;
  apiBase: string;
}

export interface SipCredentials {
  username: string;
  authUsername: string;
  domain: string;
  realm: string;
  password: string;
  aor: string;
}

export interface TurnCredentials {
  username: string;
  password: string;
  ttl: number;
  uris: string[];
}

export interface CallLogEntry {
  id: string;
  direction: 'outgoing' | 'incoming';
  other: { username: string | null; number: string | null; displayName: string | null };
  startTime: string;
  durationSeconds: number;
  answered: boolean;
  missed: boolean;
  outcome: string;
}

interface Grant {
  accessToken: string;
  refreshToken: string;
  sip?: SipCredentials;
  account?: { username: string; displayName: string | null };
}

/** The server answered with an error status (body `{ error: { code, message } }`). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** The server could not be reached at all. */
export class NetworkError extends Error {}

const DEVICE_KEY = 'openline.deviceId';

/** This browser's device id (sent as +sip.instance by the API); kept across reloads. */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    id = crypto.randomUUID();
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}

export class ApiClient {
  private access = '';
  private refreshToken = '';
  private base = '';

  /** Requests go to the page's own origin until the config names the API base. */
  setBase(base: string): void {
    this.base = base.replace(/\/+$/, '');
  }

  get signedIn(): boolean {
    return this.access !== '';
  }

  async clientConfig(): Promise<ClientConfig> {
    return this.request<ClientConfig>('GET', '/v1/client/config', undefined, false);
  }

  async signIn(login: string, password: string): Promise<{ sip: SipCredentials; username: string }> {
    const grant = await this.request<Grant>('POST', '/v1/auth/signin', {
      login, password, sip: true, device: { id: deviceId(), platform: 'web', name: navigator.userAgent.slice(0, 128) },
    }, false);
    if (!grant.sip) throw new ApiError(500, 'no_sip', 'the server returned no SIP credentials');
    this.access = grant.accessToken;
    this.refreshToken = grant.refreshToken;
    return { sip: grant.sip, username: grant.account?.username ?? grant.sip.username };
  }

  async turnCredentials(): Promise<TurnCredentials> {
    return this.request<TurnCredentials>('GET', '/v1/turn/credentials');
  }

  async callLog(): Promise<CallLogEntry[]> {
    const page = await this.request<{ items: CallLogEntry[] }>('GET', '/v1/me/calls?limit=50');
    return page.items;
  }

  /** Ends the session on the server too (best effort); tokens are dropped either way. */
  async signOut(): Promise<void> {
    try {
      if (this.access) await this.request('POST', '/v1/auth/signout');
    } catch {
      // the tokens go anyway
    }
    this.access = '';
    this.refreshToken = '';
  }

  private async refresh(): Promise<boolean> {
    if (!this.refreshToken) return false;
    try {
      const g = await this.request<Grant>('POST', '/v1/auth/refresh', { refreshToken: this.refreshToken }, false);
      this.access = g.accessToken;
      this.refreshToken = g.refreshToken;
      return true;
    } catch {
      return false;
    }
  }

  private async request<T>(method: string, path: string, body?: unknown, auth = true, retried = false): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth && this.access) headers.authorization = `Bearer ${this.access}`;
    let res: Response;
    try {
      res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new NetworkError(`server unreachable (${(err as Error).message})`);
    }
    if (res.status === 401 && auth && !retried && (await this.refresh())) {
      return this.request<T>(method, path, body, auth, true);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      if (res.status >= 502 && !e) throw new NetworkError(`server unreachable (HTTP ${res.status})`);
      throw new ApiError(res.status, e?.code ?? 'error', e?.message ?? `HTTP ${res.status}`);
    }
    return json as T;
  }
}
