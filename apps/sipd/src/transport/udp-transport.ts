// UDP transport (RFC 3261 §18): one socket per listening address, datagram = message.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { TransportCounters } from './counters';
import { toTransportError, TransportError } from './errors';
import type { Transport, TransportLogger, TransportSink } from './transport';
import type { Destination, Endpoint } from './types';

export interface UdpOptions {
  /** SO_RCVBUF in bytes, set explicitly (bursts of REGISTER/OPTIONS). Default 4 MiB (the host max). */
  recvBufferSize?: number;
  /** SO_SNDBUF in bytes. Default 1 MiB. */
  sendBufferSize?: number;
}

/** Largest UDP payload over IPv4 (65535 − 8 − 20); IPv6 allows 65527 without jumbograms. */
const MAX_DATAGRAM = { v4: 65507, v6: 65527 };

export class UdpTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly local: Endpoint;
  private readonly socket: dgram.Socket;
  private closed = false;
  private bound = false;

  constructor(
    address: string,
    port: number,
    private readonly sink: TransportSink,
    private readonly counters: TransportCounters,
    private readonly logger: TransportLogger,
    private readonly opts: UdpOptions = {},
  ) {
    this.local = { protocol: 'udp', address, port };
    this.socket = dgram.createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', ipv6Only: isIPv6(address) });
    this.socket.on('message', (data, rinfo) => this.onDatagram(data, rinfo));
    this.socket.on('error', (err) => this.logger.warn({ err, local: this.local }, 'udp socket error'));
  }

  listen(): Promise<Endpoint> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(toTransportError(err, `udp bind ${this.local.address}:${this.local.port}`));
      this.socket.once('error', onError);
      this.socket.bind({ address: this.local.address, port: this.local.port, exclusive: true }, () => {
        this.socket.off('error', onError);
        this.bound = true;
        this.applyBufferSizes();
        this.local.port = this.socket.address().port;
        resolve({ ...this.local });
      });
    });
  }

  /** Effective kernel buffer sizes (Linux reports twice the requested value). */
  bufferSizes(): { recv: number; send: number } {
    return { recv: this.socket.getRecvBufferSize(), send: this.socket.getSendBufferSize() };
  }

  send(data: Buffer, dest: Destination): Promise<void> {
    if (this.closed || !this.bound) return Promise.reject(new TransportError('ECLOSED', 'udp transport is closed'));
    const max = isIPv6(dest.address) ? MAX_DATAGRAM.v6 : MAX_DATAGRAM.v4;
    if (data.length > max) {
      return Promise.reject(new TransportError('ETOOLARGE', `udp: ${data.length} bytes exceed the ${max}-byte datagram limit`));
    }
    return new Promise((resolve, reject) => {
      this.socket.send(data, dest.port, dest.address, (err) => {
        if (err) {
          reject(toTransportError(err, `udp send to ${dest.address}:${dest.port}`));
          return;
        }
        this.counters.datagramsOut++;
        this.counters.bytesOut += data.length;
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed after a failed bind
      }
    });
  }

  private applyBufferSizes(): void {
    const recv = this.opts.recvBufferSize ?? 4 * 1024 * 1024;
    const send = this.opts.sendBufferSize ?? 1024 * 1024;
    try {
      this.socket.setRecvBufferSize(recv);
      this.socket.setSendBufferSize(send);
    } catch (err) {
      // Above net.core.rmem_max the kernel caps silently; an error here means no permission.
      this.logger.warn({ err, recv, send }, 'udp: could not set socket buffer sizes');
    }
  }

  private onDatagram(data: Buffer, rinfo: dgram.RemoteInfo): void {
    this.counters.datagramsIn++;
    this.counters.bytesIn += data.length;
    // RFC 5626 §4.4.1 STUN keep-alives and stray CRLFs carry no SIP message.
    if (data.length <= 4 && data.toString('latin1').trim() === '') return;
    this.sink.onMessage(data, { protocol: 'udp', address: rinfo.address, port: rinfo.port }, this.local);
  }
}
