// The parts of drachtio-srf 5.0.29's public API the sipd acceptance suites use, typed here
// because the package's bundled typings lack several of them (srf.options, srf.register, the
// callback form of srf.request, dialog.modify's exact shapes). The module itself is the real,
// unmodified drachtio-srf from node_modules.
import { createRequire } from 'node:module';
import type { SipdProcess } from '../../support/sipd';

export interface SrfMessage {
  method?: string;
  status?: number;
  reason?: string;
  body: string;
  callId: string;
  uri?: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
}

export interface SrfReq extends SrfMessage {
  method: string;
  uri: string;
  stackTxnId: string;
  stackDialogId?: string;
  on(ev: 'cancel', fn: () => void): void;
  on(ev: 'response', fn: (res: SrfMessage) => void): void;
}

export interface SrfRes {
  /** On a refusal srf passes the server's reason text (a string), not an Error. */
  send(status: number, opts?: { body?: string; headers?: Record<string, string> }, cb?: (err: Error | string | null, msg: SrfMessage) => void,
    /** Called with the PRACK when the response was sent reliably (RFC 3262). */
    fnPrack?: (prack: SrfMessage) => void): void;
  send(status: number, reason: string, opts?: { body?: string; headers?: Record<string, string> }): void;
}

export interface SrfDialog {
  id: string;
  type: 'uac' | 'uas';
  local: { sdp: string; uri: string };
  remote: { sdp: string; uri: string };
  sip: { callId: string; localTag: string; remoteTag: string };
  on(ev: 'destroy', fn: (msg: SrfMessage) => void): void;
  on(ev: 'ack', fn: (msg: SrfMessage) => void): void;
  on(ev: 'modify', fn: (req: SrfReq, res: SrfRes) => void): void;
  on(ev: 'info', fn: (req: SrfReq, res: SrfRes) => void): void;
  destroy(opts?: { headers?: Record<string, string> }): Promise<SrfMessage>;
  modify(sdp: string): Promise<string>;
  request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<SrfMessage>;
}

export interface B2bua {
  uas: SrfDialog;
  uac: SrfDialog;
}

type Handler = (req: SrfReq, res: SrfRes) => void;

export interface SrfApp {
  connect(opts: { host: string; port: number; secret: string; reconnect?: { maxAttempts: number } }): SrfApp;
  disconnect(): void;
  on(ev: 'connect', fn: (err: Error | null, hostport: string) => void): SrfApp;
  on(ev: 'error', fn: (err: Error) => void): SrfApp;
  options(fn: Handler): void;
  invite(fn: Handler): void;
  register(fn: Handler): void;
  bye(fn: Handler): void;
  info(fn: Handler): void;
  message(fn: Handler): void;
  use(method: string, fn: (req: SrfReq, res: SrfRes, next: () => void) => void): void;
  request(uri: string, opts: { method: string; headers?: Record<string, string>; body?: string },
    cb: (err: Error | null, req: SrfReq) => void): void;
  createUAS(req: SrfReq, res: SrfRes, opts: { localSdp: string; headers?: Record<string, string> }): Promise<SrfDialog>;
  createUAC(uri: string, opts: { localSdp?: string; headers?: Record<string, string>; auth?: { username: string; password: string } },
    progress?: { cbRequest?: (req: SrfReq) => void; cbProvisional?: (res: SrfMessage) => void }): Promise<SrfDialog>;
  createB2BUA(req: SrfReq, res: SrfRes, uri: string, opts: { localSdpB?: string; passFailure?: boolean; headers?: Record<string, string> },
    progress?: { cbRequest?: (req: SrfReq) => void; cbProvisional?: (res: SrfMessage) => void }): Promise<B2bua>;
}

export interface SipError extends Error {
  status?: number;
}

export const Srf = createRequire(__filename)('drachtio-srf') as new (tags?: string | string[]) => SrfApp;

/** Connects a new srf app to a running sipd; resolves once authenticated. */
export async function connectApp(sipd: Pick<SipdProcess, 'adminPort' | 'secret'>, setup?: (srf: SrfApp) => void): Promise<SrfApp> {
  const srf = new Srf();
  srf.on('error', () => undefined);
  setup?.(srf);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('srf did not connect within 5 s')), 5000);
    srf.on('connect', (err) => {
      clearTimeout(t);
      if (err) reject(err);
      else resolve();
    });
    srf.connect({ host: '127.0.0.1', port: sipd.adminPort, secret: sipd.secret, reconnect: { maxAttempts: 1 } });
  });
  return srf;
}

/** A small SDP offer/answer for the app side. */
export function sdp(version: number, direction = 'sendrecv', port = 40000): string {
  return [
    'v=0', `o=- 1 ${version} IN IP4 127.0.0.1`, 's=sipd-test', 'c=IN IP4 127.0.0.1', 't=0 0',
    `m=audio ${port} RTP/AVP 0`, 'a=rtpmap:0 PCMU/8000', `a=${direction}`, '',
  ].join('\r\n');
}

/** Resolves with the value `register` hands to its callback, or rejects after `ms`. */
export function waitFor<T>(register: (done: (v: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

/** srf.disconnect() asserts that its socket still exists; after sipd went away there is none. */
export function disconnectApp(srf: SrfApp | undefined): void {
  try {
    srf?.disconnect();
  } catch {
    // already disconnected by the server side
  }
}
