// The scrape endpoint: GET /metrics (Prometheus text format) and GET /health; everything else 404.
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MetricsRegistry } from './registry';
import { CONTENT_TYPE } from './text-format';

export interface MetricsServerOptions {
  address: string;
  /** 0 picks a free port (tests). */
  port: number;
  registry: MetricsRegistry;
  /** false → /health answers 503; default: always healthy while the process serves. */
  healthy?: () => boolean;
}

export interface MetricsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(opts: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '').split('?', 1)[0];
  if (req.method === 'GET' && path === '/metrics') {
    send(res, 200, CONTENT_TYPE, opts.registry.render());
  } else if (req.method === 'GET' && path === '/health') {
    const ok = opts.healthy?.() ?? true;
    send(res, ok ? 200 : 503, 'application/json', JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  }
}

/** Starts listening; resolves once bound, rejects if the port cannot be bound. */
export function startMetricsServer(opts: MetricsServerOptions): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    try {
      handle(opts, req, res);
    } catch {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'error\n');
      else res.destroy();
    }
  });
  // Scrapers keep connections alive; close() must not wait for them.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      const a = server.address() as AddressInfo;
      let closing: Promise<void> | undefined;
      resolve({
        address: a.address,
        port: a.port,
        close: () => {
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
