// The web softphone: its bootstrap config (no auth: where SIP over WSS is and which domain the
// accounts are in) and its static files (apps/web/dist) at `/`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import express, { type Request } from 'express';
import { z } from 'zod/v4';
import { findRootDir, PORT_OFFSETS, portsFromBase } from '@openline/config';
import { route, type AnyRoute } from '../http/route';
import type { Services } from '../services';

/** A bare hostname, IPv4 address or bracketed IPv6 address (what may go into a URL's host). */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

/**
 * The host the browser reached us by (Host header), when it is a valid name: the page and sipd's
 * WSS listener are on the same machine, and the certificate the browser accepts is for that
 * name. Else api.publicHost.
 */
function requestHost(req: Request, fallback: string): string {
  const h = req.hostname;
  return typeof h === 'string' && HOST.test(h) ? h : fallback.includes(':') ? `[${fallback}]` : fallback;
}

export function clientRoutes(s: Services): AnyRoute[] {
  const st = s.deps.settings;
  // The run's WSS port: every port derives from one base (packages/config ports.ts).
  const wssPort = portsFromBase(st.listenPort - PORT_OFFSETS.api).wss;
  return [
    route({
      method: 'get', path: '/v1/client/config', tag: 'client', auth: 'none',
      summary: 'Web client bootstrap: the SIP domain, the WSS URL of sipd (host: the one this request was sent to) and the API base',
      responses: {
        200: {
          description: 'client configuration',
          schema: z.object({
            sipDomain: z.string().describe('domain of SIP identities (sip:user@domain)'),
            wssUrl: z.string().describe('SIP over secure WebSocket (RFC 7118): api.webSipUrl, else wss://<host>:<wss port>'),
            apiBase: z.string().describe('base URL of this API, without trailing slash'),
          }),
        },
      },
      handler: (c) => {
        const host = requestHost(c.req, st.sip.host);
        const port = c.req.get('host')?.match(/:(\d+)$/)?.[1];
        const apiBase = st.api.publicUrl ? st.publicUrl : `${c.req.protocol}://${host}${port ? `:${port}` : ''}`;
        const wssUrl = st.api.webSipUrl || `wss://${host}:${wssPort}`;
        return Promise.resolve({ body: { sipDomain: st.sipDomain, wssUrl, apiBase } });
      },
    }),
  ];
}

/** apps/web/dist under the repository root (built by `make build`), if it is there. */
export function webDistDir(): string | undefined {
  const dir = path.join(findRootDir(__dirname), 'apps', 'web', 'dist');
  return fs.existsSync(path.join(dir, 'index.html')) ? dir : undefined;
}

/** Only the page's own script and styles run; SIP over WSS goes to sipd on another port. */
const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "media-src 'self' blob: mediastream:",
  "connect-src 'self' wss: ws:", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

/**
 * The softphone's files: `/` is index.html, other paths only the files that exist (no listing,
 * no dotfiles, no fallback to index.html but for `/`); revalidated on every load (no-cache).
 */
export function webStatic(dir: string): express.RequestHandler {
  return express.static(dir, {
    index: 'index.html', redirect: false, dotfiles: 'ignore', fallthrough: true,
    setHeaders: (res) => {
      res.setHeader('cache-control', 'no-cache');
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('x-frame-options', 'DENY');
      res.setHeader('content-security-policy', CSP);
    },
  });
}
