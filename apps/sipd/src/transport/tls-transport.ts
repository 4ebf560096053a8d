// TLS transport (RFC 3261 §26.2, §18; `sips:` and `transport=tls`): the TCP transport over
// tls.Server / tls.connect. Framing, CRLF keep-alives (RFC 5626 §3.5.1), connection reuse and
// aliases are the TCP transport's; a connection exists for SIP only once its handshake is done.
// A failed handshake closes that socket alone, with a log line.
import type net from 'node:net';
import tls from 'node:tls';
import type { TransportCounters } from './counters';
import { TcpTransport, type TcpOptions } from './tcp-transport';
import type { TransportLogger, TransportSink } from './transport';

/** Certificate material and policy, as drachtio's --key-file/--cert-file/--chain-file give it. */
export interface TlsCredentials {
  key: Buffer | string;
  cert: Buffer | string;
  /** Intermediate certificates sent after the server certificate (--chain-file). */
  chain?: Buffer | string;
  minVersion?: tls.SecureVersion;
  ciphers?: string;
  /** Ask clients for a certificate and refuse the handshake without a valid one (drachtio TLS_VERIFY_CLIENT_CERT). */
  verifyClient?: boolean;
  /** Trusted CAs for verification (client certificates, and servers when verifyServer is set). */
  ca?: Buffer | string | Array<Buffer | string>;
  /** Verify servers we connect to. Default false: sofia-sip (drachtio) does not verify by default. */
  verifyServer?: boolean;
  /** Handshake deadline in ms for accepted sockets. Default 10 s. */
  handshakeTimeout?: number;
}

export interface TlsTransportOptions extends TcpOptions {
  credentials: TlsCredentials;
}

/** The certificate followed by the chain, the order a TLS server sends them in. */
export function certificateChain(c: Pick<TlsCredentials, 'cert' | 'chain'>): string {
  const cert = c.cert.toString().trim();
  return c.chain === undefined ? cert : `${cert}\n${c.chain.toString().trim()}\n`;
}

export class TlsTransport extends TcpTransport {
  private readonly credentials: TlsCredentials;

  constructor(address: string, port: number, sink: TransportSink, counters: TransportCounters, logger: TransportLogger, opts: TlsTransportOptions) {
    super(address, port, sink, counters, logger, opts, 'tls');
    this.credentials = opts.credentials;
  }

  protected override createServer(onSocket: (socket: net.Socket) => void): net.Server {
    const c = this.credentials;
    const server = tls.createServer({
      key: c.key,
      cert: certificateChain(c),
      ...(c.minVersion !== undefined ? { minVersion: c.minVersion } : {}),
      ...(c.ciphers !== undefined ? { ciphers: c.ciphers } : {}),
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      requestCert: c.verifyClient === true,
      rejectUnauthorized: c.verifyClient === true,
      handshakeTimeout: c.handshakeTimeout ?? 10_000,
    }, onSocket);
    // A failed handshake concerns that peer only: the socket is destroyed by node, we log it.
    server.on('tlsClientError', (err, socket) => {
      this.counters.tlsHandshakeFailures++;
      this.logger.warn({ err: err.message, remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, local: this.local }, 'tls: handshake failed, connection closed');
    });
    return server;
  }

  protected override dial(address: string, port: number, localAddress: string | undefined): { socket: net.Socket; ready: string } {
    const c = this.credentials;
    const socket = tls.connect({
      host: address,
      port,
      ...(localAddress !== undefined ? { localAddress } : {}),
      rejectUnauthorized: c.verifyServer === true,
      ...(c.ca !== undefined ? { ca: c.ca } : {}),
      ...(c.minVersion !== undefined ? { minVersion: c.minVersion } : {}),
      // A client certificate lets peers that verify clients accept us (mutual TLS).
      key: c.key,
      cert: certificateChain(c),
    });
    return { socket, ready: 'secureConnect' };
  }
}
