// The transport layer (RFC 3261 §18): listeners per configured contact, parsing, server-side
// inbound Via processing, the response sent-by check, and sending to a Destination.
//
//   const tl = new TransportLayer({ contacts: ['sip:127.0.0.1:5060;transport=udp,tcp'] });
//   tl.on('message', (inbound: InboundMessage) => ...);   // requests and responses, parsed
//   await tl.listen();
//   await tl.send(message, destination);                  // rejects with TransportError
//   await tl.close();
//
// Sending: send(msg, dest) serialises and hands the bytes to the transport for dest.protocol and
// the address family of dest.address (the listener dest.local names, if given). It resolves once
// the OS has the bytes and rejects with a TransportError (ECONNREFUSED, EHOSTUNREACH, ETIMEDOUT,
// ETOOLARGE, ECLOSED, ENOLISTENER, ELIMIT). Responses: use responseDestination() (§18.2.2) on the
// request's processed top Via — the TransactionLayer does. Requests: the core picks the
// Destination; prepareRequestDestination() applies the §18.1.1 size rule (UDP → TCP).
import { EventEmitter } from 'node:events';
import { isIPv6 } from 'node:net';
import { formatVia, parseMessage, parseUri, serializeMessage, type SipMessage, type SipRequest, type Via } from '../parser';
import { newCounters, type TransportCounters } from './counters';
import { parseContact, type ListenSpec } from './contact';
import { toTransportError, TransportError } from './errors';
import { badRequest, processInboundVia, replaceTopVia, sentByMatcher, topVia, type SentByMatcher } from './inbound';
import { defaultPort, responseDestination, unbracket } from './response-routing';
import { TcpTransport, type TcpOptions } from './tcp-transport';
import { TlsTransport, type TlsCredentials } from './tls-transport';
import {
  isConnectionTransport, NULL_LOGGER, type ConnectionInfo, type SendFailureListener, type Transport, type TransportLogger, type TransportSink,
} from './transport';
import type { Destination, Endpoint, InboundMessage, Protocol } from './types';
import { UdpTransport, type UdpOptions } from './udp-transport';
import { WsTransport, type WsOptions } from './ws-transport';
import type { FrameErrorReason } from './stream-framer';

/** RFC 6761 §6.4: a `.invalid` host never resolves. */
function isInvalidHost(address: string): boolean {
  return /(^|\.)invalid\.?$/i.test(address);
}

export interface TransportLayerOptions {
  /** drachtio-style contacts, e.g. 'sip:127.0.0.1:5060;transport=udp,tcp', 'sip:[::1]:5060'. */
  contacts: string[];
  udp?: UdpOptions;
  /** TCP and TLS connection options. */
  tcp?: TcpOptions;
  /** WS and WSS options. */
  ws?: WsOptions;
  /** Certificate and key for tls and wss listeners (drachtio --key-file/--cert-file/--chain-file). */
  tls?: TlsCredentials;
  /** Largest datagram/message the parser accepts. Default 65535. */
  maxMessageSize?: number;
  /** §18.1.2 check for responses; default: sent-by is a listening/advertised address and port. */
  isLocalSentBy?: SentByMatcher;
  /** Extra host names/addresses that count as ours for the default sent-by check. */
  advertisedHosts?: string[];
  /** Fill rport (and received) on every request's top Via, asked for or not (drachtio/sofia SERVER_RPORT 2). Default false. */
  forceRport?: boolean;
  /** §18.1.1 size rule on for prepareRequestDestination(). Default true. */
  largeUdpRequestsOverTcp?: boolean;
  /** The §18.1.1 threshold: MTU − 200 = 1300 bytes. */
  udpSizeThreshold?: number;
  logger?: TransportLogger;
}

export interface TransportLayerEvents {
  message: [InboundMessage];
  /** A connection closed (peer, idle timeout, framing error, close()). */
  'connection-closed': [ConnectionInfo];
}

export class TransportLayer extends EventEmitter<TransportLayerEvents> {
  readonly counters: TransportCounters = newCounters();
  private readonly specs: ListenSpec[];
  private readonly transports: Transport[] = [];
  /** Bound listeners per configured contact, in contact order. */
  private readonly byContact: Endpoint[][] = [];
  private readonly logger: TransportLogger;
  private readonly sink: TransportSink;
  private matcher?: SentByMatcher;
  private closing?: Promise<void>;

  constructor(private readonly opts: TransportLayerOptions) {
    super();
    this.specs = opts.contacts.map(parseContact);
    if (this.specs.length === 0) throw new Error('TransportLayer: no contacts to listen on');
    this.logger = opts.logger ?? NULL_LOGGER;
    this.sink = {
      onMessage: (raw, source, local, connectionId) => this.onRaw(raw, source, local, connectionId),
      onFramingError: (reason, head, source, local, connectionId) => this.onFramingError(reason, head, source, local, connectionId),
      onConnectionClosed: (info) => this.safeEmit('connection-closed', info),
    };
  }

  /**
   * Binds every listener. For a contact with port 0 the UDP socket picks the port and the TCP
   * listener binds the same one (retried a few times if that port is taken for TCP).
   */
  async listen(): Promise<Endpoint[]> {
    const bound: Endpoint[] = [];
    for (const spec of this.specs) {
      let port = spec.port;
      for (let attempt = 0; ; attempt++) {
        const created: Transport[] = [];
        try {
          for (const protocol of spec.protocols) {
            const t = this.createTransport(protocol, spec.address, port);
            created.push(t);
            const ep = await t.listen();
            port = ep.port;
          }
          this.transports.push(...created);
          bound.push(...created.map((t) => ({ ...t.local })));
          this.byContact.push(created.map((t) => ({ ...t.local })));
          break;
        } catch (err) {
          await Promise.all(created.map((t) => t.close()));
          if (spec.port !== 0 || attempt >= 5) throw err;
          port = 0;
        }
      }
    }
    const ports = this.transports.map((t) => t.local.port);
    const hosts = [...this.transports.map((t) => t.local.address), ...(this.opts.advertisedHosts ?? [])];
    const anyHost = this.transports.some((t) => t.local.address === '0.0.0.0' || t.local.address === '::');
    this.matcher = this.opts.isLocalSentBy ?? sentByMatcher(hosts, ports, anyHost);
    return bound;
  }

  /** The bound listeners of each configured contact (same order as `contacts`), ports resolved. */
  listenersByContact(): Endpoint[][] {
    return this.byContact.map((list) => list.map((e) => ({ ...e })));
  }

  /** The bound listeners (ports resolved). */
  localEndpoints(): Endpoint[] {
    return this.transports.map((t) => ({ ...t.local }));
  }

  /** True while a connection-oriented transport still has this connection open. */
  isConnectionOpen(connectionId: string): boolean {
    return this.transports.some((t) => isConnectionTransport(t) && t.hasConnection(connectionId));
  }

  /** Effective UDP socket buffer sizes per listener (Linux reports twice the requested value). */
  udpBufferSizes(): Array<{ local: Endpoint; recv: number; send: number }> {
    const out: Array<{ local: Endpoint; recv: number; send: number }> = [];
    for (const t of this.transports) if (t instanceof UdpTransport) out.push({ local: { ...t.local }, ...t.bufferSizes() });
    return out;
  }

  /** Open connections across connection-oriented transports (also in counters.connectionsOpen). */
  connectionCount(): number {
    let n = 0;
    for (const t of this.transports) if (isConnectionTransport(t)) n += t.connectionCount;
    return n;
  }

  /**
   * Serialises and sends; see the top of this file for errors. `wire` is `message` already
   * serialised by the caller (sent as is, not serialised twice).
   */
  async send(message: SipMessage, dest: Destination, wire?: Buffer): Promise<void> {
    if (this.closing !== undefined) throw new TransportError('ECLOSED', 'transport layer is closed');
    // RFC 6761 §6.4: a `.invalid` host (WebSocket clients' Via/Contact, RFC 7118 §5.2) never
    // resolves; only the connection the client opened reaches it.
    if (isInvalidHost(dest.address) && !(dest.connectionId !== undefined && this.isConnectionOpen(dest.connectionId))) {
      this.counters.sendErrors++;
      throw new TransportError('ENOFLOW', `no open connection to ${dest.address} (a .invalid host is reachable only over its own flow)`);
    }
    const transport = this.pick(dest.protocol, dest.address, dest.local);
    if (transport === undefined) {
      this.counters.sendErrors++;
      throw new TransportError('ENOLISTENER', `no ${dest.protocol} listener for ${dest.address}`);
    }
    const data = wire ?? serializeMessage(message);
    try {
      await transport.send(data, dest);
    } catch (err) {
      this.counters.sendErrors++;
      throw err;
    }
    this.counters.messagesOut[dest.protocol]++;
  }

  /**
   * send() without a promise, for transactions (one per response on the hot path): a failure goes
   * to `listener` on a later tick, with the same TransportErrors send() rejects with.
   */
  post(message: SipMessage, dest: Destination, wire: Buffer | undefined, listener: SendFailureListener | undefined): void {
    const plainUdp = dest.protocol === 'udp' && this.closing === undefined && !isInvalidHost(dest.address);
    const transport = plainUdp ? this.pick('udp', dest.address, dest.local) : undefined;
    if (transport?.post === undefined) {
      // Everything but UDP to an address we have a listener for takes the promise path.
      this.send(message, dest, wire).catch((err: unknown) => listener?.sendFailed(toTransportError(err, `send to ${dest.address}:${dest.port}`)));
      return;
    }
    transport.post(wire ?? serializeMessage(message), dest, listener);
  }

  /**
   * §18.1.1: "If a request is within 200 bytes of the path MTU, or if it is larger than 1300 bytes
   * and the path MTU is unknown, the request MUST be sent using an RFC 2914 congestion controlled
   * transport protocol, such as TCP." For a UDP destination, a request over the threshold whose
   * target URI (default: the Request-URI) has no explicit transport=udp goes over TCP when a TCP
   * listener exists for that address family; the top Via transport is rewritten to TCP (§18.1.1:
   * "the client transport MUST insert ... the transport"). Returns the destination to use.
   * Not done: retrying over UDP if the TCP connect is refused (§18.1.1 SHOULD).
   */
  prepareRequestDestination(request: SipRequest, dest: Destination, targetUri: string = request.uri): Destination {
    if (dest.protocol !== 'udp' || this.opts.largeUdpRequestsOverTcp === false) return dest;
    if (parseUri(targetUri)?.params.get('transport')?.toLowerCase() === 'udp') return dest;
    if (this.pick('tcp', dest.address) === undefined) return dest;
    if (serializeMessage(request).length <= (this.opts.udpSizeThreshold ?? 1300)) return dest;
    const via = topVia(request);
    if (via !== undefined && via.transport === 'UDP') {
      via.transport = 'TCP';
      replaceTopVia(request, formatVia(via));
    }
    this.counters.udpToTcpSwitches++;
    const out: Destination = { protocol: 'tcp', address: dest.address, port: dest.port };
    if (dest.local !== undefined) out.local = { ...dest.local, protocol: 'tcp' };
    return out;
  }

  /** Closes every listener and connection; resolves when all are closed. Idempotent. */
  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closing = Promise.all(this.transports.map((t) => t.close())).then(() => undefined);
    }
    return this.closing;
  }

  private createTransport(protocol: Protocol, address: string, port: number): Transport {
    switch (protocol) {
      case 'udp':
        return new UdpTransport(address, port, this.sink, this.counters, this.logger, this.opts.udp);
      case 'tcp':
        return new TcpTransport(address, port, this.sink, this.counters, this.logger, this.opts.tcp);
      case 'tls':
        return new TlsTransport(address, port, this.sink, this.counters, this.logger, { ...this.opts.tcp, credentials: this.credentials(protocol) });
      case 'ws':
        return new WsTransport(address, port, this.sink, this.counters, this.logger, this.wsOptions(), 'ws');
      case 'wss':
        return new WsTransport(address, port, this.sink, this.counters, this.logger, this.wsOptions(), 'wss', this.credentials(protocol));
    }
  }

  private credentials(protocol: Protocol): TlsCredentials {
    if (this.opts.tls === undefined) throw new Error(`a ${protocol} listener needs a certificate and key (--cert-file, --key-file)`);
    return this.opts.tls;
  }

  private wsOptions(): WsOptions {
    return { maxMessageSize: this.opts.maxMessageSize ?? 65535, ...this.opts.ws };
  }

  /**
   * Each listener runs on its own: a throwing one must not take the transport or the other
   * listeners down (style rule 9, mediasoup safeEmit).
   */
  private safeEmit<K extends keyof TransportLayerEvents>(event: K, ...args: TransportLayerEvents[K]): void {
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (...a: TransportLayerEvents[K]) => void)(...args);
      } catch (err) {
        this.logger.warn({ err, event }, 'transport: listener threw');
      }
    }
  }

  /** The listener for a protocol and address family; `local` selects among several. */
  private pick(protocol: Protocol, address: string, local?: Endpoint): Transport | undefined {
    const v6 = isIPv6(address);
    let fallback: Transport | undefined;
    for (const t of this.transports) {
      if (t.protocol !== protocol || isIPv6(t.local.address) !== v6) continue;
      if (local === undefined || (t.local.address === local.address && t.local.port === local.port)) return t;
      fallback ??= t;
    }
    return fallback;
  }

  private onRaw(raw: Buffer, source: Endpoint, local: Endpoint, connectionId?: string): void {
    const parsed = parseMessage(raw, { maxSize: this.opts.maxMessageSize ?? 65535, stream: connectionId !== undefined });
    if (!parsed.ok) {
      this.counters.parseErrors++;
      this.logger.debug({ source, reason: parsed.reason }, 'transport: unparseable message');
      // 505 (version), 416 (URI scheme), 513 (too large) where the parser says so; 400 otherwise.
      if (parsed.partial !== undefined) this.replyBadRequest(parsed.partial, parsed.reason, source, local, connectionId, parsed.status ?? 400);
      return;
    }
    const message = parsed.message;
    let via: Via | undefined;
    if (message.kind === 'request') {
      // §18.2.1: received / rport on the top Via.
      via = processInboundVia(message, source, this.opts.forceRport === true);
      if (via === undefined) {
        this.counters.requestsDropped++;
        return;
      }
      if (connectionId !== undefined && via.params.has('alias')) this.addAlias(connectionId, source, via);
    } else {
      // §18.1.2: a response whose top Via sent-by is not ours MUST be silently discarded.
      via = topVia(message);
      if (via === undefined || this.matcher === undefined || !this.matcher(via, local)) {
        this.counters.responsesDropped++;
        return;
      }
    }
    this.counters.messagesIn[source.protocol]++;
    const inbound: InboundMessage = { message, raw, source, local, receivedAt: Date.now(), topVia: via };
    if (connectionId !== undefined) inbound.connectionId = connectionId;
    this.safeEmit('message', inbound);
  }

  /**
   * RFC 5923 §5: a Via 'alias' parameter asks us to reuse this connection for requests to the
   * sender's sent-by. Applied only when the sent-by host is the connection's source address (no
   * spoofed redirection of other peers' traffic; RFC 5923 wants TLS for more).
   */
  private addAlias(connectionId: string, source: Endpoint, via: Via): void {
    if (unbracket(via.host).toLowerCase() !== source.address.toLowerCase()) return;
    const port = via.port ?? defaultPort(source.protocol);
    for (const t of this.transports) if (t.protocol === source.protocol && isConnectionTransport(t)) t.addAlias(connectionId, source.address, port);
  }

  /** §18.3 / §8.2: a 400 sent statelessly to where a response would go. */
  private replyBadRequest(partial: SipRequest, reason: string, source: Endpoint, local: Endpoint, connectionId?: string, status = 400): void {
    const via = processInboundVia(partial, source);
    // An unreadable top Via (RFC 4475 badinv01) leaves only the packet's source to answer to.
    const dest: Destination = via !== undefined
      ? responseDestination(via, source, connectionId, local)
      : { protocol: source.protocol, address: source.address, port: source.port, local, ...(connectionId !== undefined ? { connectionId } : {}) };
    this.counters.badRequestsSent++;
    this.send(badRequest(partial, reason, status), dest).catch((err: unknown) => {
      this.logger.debug({ err, source }, 'transport: could not send 400');
    });
  }

  private onFramingError(reason: FrameErrorReason, head: Buffer | undefined, source: Endpoint, local: Endpoint, _connectionId: string): Buffer | undefined {
    if (head === undefined) return undefined;
    const parsed = parseMessage(head, { maxSize: this.opts.maxMessageSize ?? 65535 });
    const request = parsed.ok ? (parsed.message.kind === 'request' ? parsed.message : undefined) : parsed.partial;
    if (request === undefined) return undefined;
    processInboundVia(request, source);
    this.counters.badRequestsSent++;
    const text = reason === 'missing-content-length' ? 'Missing Content-Length' : 'Bad Content-Length';
    this.logger.debug({ source, local, reason }, 'transport: 400 on stream framing error');
    return serializeMessage(badRequest(request, text));
  }
}
