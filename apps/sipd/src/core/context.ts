// What the core's handlers share: the layers below, the dialog store, the app server, and the
// small helpers every handler needs (meta for the wire, sending with a logged failure).
import type { Logger } from '@openline/log';
import { serializeMessage, type SipMessage } from '../parser';
import type { TransactionLayer } from '../transaction';
import type { TimerConfig } from '../transaction/timers';
import type { TransportLayer } from '../transport/transport-layer';
import type { Destination, Endpoint, InboundMessage } from '../transport/types';
import type { DialogStore } from '../dialog/dialog-store';
import type { AdminServer } from '../wire/admin-server';
import type { AppConnection } from '../wire/app-connection';
import { formatWireTime, type SipMeta } from '../wire/sip-text';
import type { LocalEndpoints } from './local-endpoints';
import type { EngineCounters } from './counters';
import type { FlowTable } from './flows';
import type { NatDialogs } from './nat';
import type { CdrEmitter } from './cdr';
import type { SessionTimerConfig, SessionTimers } from './session-timer';

/** drachtio-server behaviour switches (docs: cli/options.ts SipBehaviour). */
export interface EngineBehaviour {
  /** Every new out-of-dialog request from an app goes through this URI (drachtio outbound-proxy). */
  outboundProxy?: string;
  /** An OPTIONS whose User-Agent equals this gets 200 from sipd without reaching an app. */
  userAgentOptionsAutoRespond?: string;
  /** Send 180 Ringing right after 100 Trying for every new INVITE (drachtio --always-send-180). */
  alwaysSend180?: boolean;
  /** Answer 403 to a REGISTER whose Request-URI host is an IP address (no realm). */
  rejectRegisterWithNoRealm?: boolean;
  /** Requests whose header contains one of these substrings are refused (603) or dropped. */
  spammers?: { action: 'reject' | 'discard'; tcpAction: 'reject' | 'discard'; headers: Map<string, string[]> };
  /** drachtio --disable-nat-detection: never route in-dialog requests to a peer's source address. */
  disableNatDetection?: boolean;
  /** drachtio --aggressive-nat-detection: `nat=yes` in Contact/Record-Route marks a NAT'd peer. */
  aggressiveNatDetection?: boolean;
}

export interface EngineContext {
  behaviour: EngineBehaviour;
  transport: TransportLayer;
  transactions: TransactionLayer;
  dialogs: DialogStore<AppConnection>;
  apps: AdminServer;
  endpoints: LocalEndpoints;
  timers: TimerConfig;
  logger: Logger;
  counters: EngineCounters;
  /** Registered flows: connection-oriented clients reached over the connection they registered on. */
  flows: FlowTable;
  /** Dialogs with a NAT'd peer (in-dialog requests go to its source address). */
  nat: NatDialogs;
  /** drachtio CDR events (cdr.ts); a no-op unless CDRs are enabled. The proxy reports its roles here too. */
  cdr: CdrEmitter;
  /** RFC 4028 session timers: our Min-SE and default refresher, and the running timers. */
  sessionConfig: SessionTimerConfig;
  sessionTimers: SessionTimers;
}

/** drachtio reports udp/tcp/tls; WebSocket flows are reported as tcp (docs/wire-protocol.md §3.1). */
export function wireProtocol(p: Endpoint['protocol']): string {
  return p === 'ws' ? 'tcp' : p === 'wss' ? 'tcp' : p;
}

/** Meta for a message received from the network. */
export function networkMeta(inbound: InboundMessage): SipMeta {
  return {
    source: 'network',
    bytes: inbound.raw.length,
    protocol: wireProtocol(inbound.source.protocol),
    address: inbound.source.address,
    port: inbound.source.port,
    time: formatWireTime(inbound.receivedAt),
  };
}

/** Meta for a message sipd sent on an app's behalf. */
export function applicationMeta(bytes: number, protocol: Endpoint['protocol'], address: string, port: number): SipMeta {
  return { source: 'application', bytes, protocol: wireProtocol(protocol), address, port, time: formatWireTime() };
}

export function serialize(msg: SipMessage): Buffer {
  return serializeMessage(msg);
}

/**
 * Sends without a transaction (ACK for 2xx, 2xx retransmissions); failures are logged only.
 * `wire`: msg already serialised (a retransmitted 2xx keeps the bytes sent the first time).
 */
export function sendStateless(ctx: EngineContext, msg: SipMessage, dest: Destination, wire?: Buffer): void {
  ctx.transport.send(msg, dest, wire).catch((err: unknown) => {
    ctx.logger.warn({ err: String(err), callId: msg.callId, dest }, 'stateless send failed');
  });
}
