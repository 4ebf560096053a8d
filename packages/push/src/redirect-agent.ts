// An https.Agent that sends connections for chosen host names to another host:port (tests and
// private gateways). firebase-admin has no endpoint option, but it sends FCM requests through the
// app's httpAgent and its service-account credential fetches OAuth tokens through the same agent;
// redirecting fcm.googleapis.com and oauth2.googleapis.com here reaches a stand-in while the
// requests stay exactly what Google receives (host header, paths, TLS with certificate checks).
import * as https from 'node:https';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';

export interface Redirect {
  host: string;
  port: number;
}

export class RedirectAgent extends https.Agent {
  constructor(private readonly redirects: ReadonlyMap<string, Redirect>, private readonly ca?: string | Buffer) {
    super({ keepAlive: true });
  }

  override createConnection(options: tls.ConnectionOptions, _cb?: (err: Error | null, s: Duplex) => void): Duplex {
    const name = options.servername || options.host || '';
    const to = this.redirects.get(name);
    if (!to) return tls.connect(options);
    // The certificate is still checked against the original name (servername), with our CA.
    return tls.connect({ ...options, host: to.host, port: to.port, servername: name, ...(this.ca ? { ca: this.ca } : {}) });
  }
}

/** "https://host:port[/...]" → { host, port } (only scheme, host and port of the URL are used). */
export function redirectTarget(url: string, key: string): Redirect {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`${key} must be an https URL (https://host:port), got '${url}'`);
  }
  if (u.protocol !== 'https:') throw new Error(`${key} must be an https URL (https://host:port), got '${url}'`);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : 443 };
}
