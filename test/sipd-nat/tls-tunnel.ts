// Debian's SIPp 3.6.1 (sip-tester) is built without OpenSSL: `-t l1` fails with "To use a TLS
// transport you must compile SIPp with OpenSSL". These tunnels put a real TLS hop between SIPp's
// TCP transport and sipd, so sipd's TLS listener and its outbound TLS connections are what SIPp
// traffic crosses: plain TCP on SIPp's side, TLS (node:tls) on sipd's side, one TLS connection per
// SIPp connection.
import net from 'node:net';
import tls from 'node:tls';

export interface Tunnel {
  port: number;
  /** TLS connections the tunnel made or accepted. */
  tlsConnections: number;
  close(): Promise<void>;
}

function pipeBoth(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = (): void => { a.destroy(); b.destroy(); };
  a.on('error', end);
  b.on('error', end);
  a.on('close', end);
  b.on('close', end);
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

function closer(server: net.Server, sockets: Set<net.Socket>): () => Promise<void> {
  return () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

/** SIPp (TCP client) → this port → TLS client → sipd's TLS listener at `tlsPort`. */
export async function tcpToTls(tlsPort: number): Promise<Tunnel> {
  const sockets = new Set<net.Socket>();
  const t: Tunnel = { port: 0, tlsConnections: 0, close: async () => undefined };
  const server = net.createServer((plain) => {
    const secure = tls.connect({ host: '127.0.0.1', port: tlsPort, rejectUnauthorized: false });
    t.tlsConnections++;
    for (const s of [plain, secure]) { sockets.add(s); s.on('close', () => sockets.delete(s)); }
    pipeBoth(plain, secure);
  });
  t.port = await listen(server);
  t.close = closer(server, sockets);
  return t;
}

/** sipd (TLS client) → this TLS port → TCP → a SIPp UAS at `tcpPort`. */
export async function tlsToTcp(tcpPort: number, key: string, cert: string): Promise<Tunnel> {
  const sockets = new Set<net.Socket>();
  const t: Tunnel = { port: 0, tlsConnections: 0, close: async () => undefined };
  const server = tls.createServer({ key, cert }, (secure) => {
    t.tlsConnections++;
    const plain = net.connect(tcpPort, '127.0.0.1');
    for (const s of [plain, secure]) { sockets.add(s); s.on('close', () => sockets.delete(s)); }
    pipeBoth(secure, plain);
  });
  t.port = await listen(server);
  t.close = closer(server, sockets);
  return t;
}
