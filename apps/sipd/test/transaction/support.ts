// Test support for transaction specs: a deterministic clock, a recording transport, builders.
import { SipRequest, SipResponse, type SipMessage } from '../../src/parser';
import { createResponse } from '../../src/transaction/message-factory';
import { timerConfig, type TimerConfig } from '../../src/transaction/timers';
import type { TransactionTransport } from '../../src/transaction/transaction-user';
import { TransportError } from '../../src/transport/errors';
import type { Destination, InboundMessage, Protocol } from '../../src/transport/types';

/** Small timers: T1=10, T2=40, T4=50, D=320 ms; 64*T1 = 640 ms. */
export const TEST_TIMERS: TimerConfig = timerConfig({ T1: 10, T2: 40, T4: 50, D: 320, trying100Delay: 20 });

interface FakeTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** Replaces the global setTimeout/clearTimeout while installed; tick() fires due timers in order. */
export class FakeClock {
  now = 0;
  private seq = 0;
  private readonly timers = new Map<number, FakeTimer>();
  private saved?: { set: typeof setTimeout; clear: typeof clearTimeout };

  install(): this {
    this.saved = { set: globalThis.setTimeout, clear: globalThis.clearTimeout };
    const fakeSet = (fn: () => void, ms?: number): unknown => {
      const id = ++this.seq;
      this.timers.set(id, { id, at: this.now + Math.max(0, ms ?? 0), fn });
      const handle = { id, unref: () => handle, ref: () => handle, hasRef: () => false, [Symbol.toPrimitive]: () => id };
      return handle;
    };
    const fakeClear = (handle: unknown): void => {
      const id = (handle as { id?: number } | undefined)?.id;
      if (id !== undefined) this.timers.delete(id);
    };
    globalThis.setTimeout = fakeSet as unknown as typeof setTimeout;
    globalThis.clearTimeout = fakeClear as unknown as typeof clearTimeout;
    return this;
  }

  uninstall(): void {
    if (this.saved === undefined) return;
    globalThis.setTimeout = this.saved.set;
    globalThis.clearTimeout = this.saved.clear;
    this.saved = undefined;
  }

  /** Advances time by ms, firing every timer due (including ones armed while firing). */
  tick(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.timers.values()) if (t.at <= end && (next === undefined || t.at < next.at || (t.at === next.at && t.id < next.id))) next = t;
      if (next === undefined) break;
      this.timers.delete(next.id);
      this.now = next.at;
      next.fn();
    }
    this.now = end;
  }

  get pending(): number {
    return this.timers.size;
  }
}

export interface Sent {
  message: SipMessage;
  destination: Destination;
  at: number;
  /** The pre-serialised bytes the transaction handed over, if any. */
  wire?: Buffer;
}

/** Records what transactions send; can be told to fail. */
export class RecordingTransport implements TransactionTransport {
  readonly sent: Sent[] = [];
  fail?: TransportError;
  constructor(private readonly clock?: FakeClock) {}

  send(message: SipMessage, destination: Destination, wire?: Buffer): Promise<void> {
    if (this.fail !== undefined) return Promise.reject(this.fail);
    const sent: Sent = { message, destination, at: this.clock?.now ?? 0 };
    if (wire !== undefined) sent.wire = wire;
    this.sent.push(sent);
    return Promise.resolve();
  }

  requests(method?: string): SipRequest[] {
    return this.sent.map((s) => s.message).filter((m): m is SipRequest => m.kind === 'request' && (method === undefined || m.method === method));
  }

  responses(status?: number): SipResponse[] {
    return this.sent.map((s) => s.message).filter((m): m is SipResponse => m.kind === 'response' && (status === undefined || m.status === status));
  }
}

export const refused = (): TransportError => new TransportError('ECONNREFUSED', 'test: refused');

/** Lets rejected send() promises reach the transaction. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

export function dest(protocol: Protocol = 'udp', port = 5070): Destination {
  return { protocol, address: '127.0.0.1', port };
}

export interface RequestSpec {
  method?: string;
  branch?: string;
  via?: string; // full top Via value, overrides branch
  cseq?: number;
  callId?: string;
  fromTag?: string;
  toTag?: string;
  uri?: string;
  route?: string[];
}

export function request(spec: RequestSpec = {}): SipRequest {
  const method = spec.method ?? 'INVITE';
  const req = new SipRequest(method, spec.uri ?? 'sip:bob@127.0.0.1:5060');
  req.append('via', spec.via ?? `SIP/2.0/UDP 127.0.0.1:5070;branch=${spec.branch ?? 'z9hG4bKtest1'}`);
  for (const r of spec.route ?? []) req.append('route', r);
  req.set('max-forwards', '70');
  req.set('from', `<sip:alice@127.0.0.1>;tag=${spec.fromTag ?? 'from1'}`);
  req.set('to', `<sip:bob@127.0.0.1>${spec.toTag !== undefined ? `;tag=${spec.toTag}` : ''}`);
  req.set('call-id', spec.callId ?? 'call-1@test');
  req.set('cseq', `${spec.cseq ?? 1} ${method === 'ACK' ? 'ACK' : method}`);
  req.set('content-length', '0');
  return req;
}

/** A response to `req` (tag 'totag' on finals unless toTag given). */
export function response(req: SipRequest, status: number, toTag = 'totag'): SipResponse {
  return createResponse(req, status, status === 100 ? 'Trying' : status < 200 ? 'Ringing' : status < 300 ? 'OK' : 'Busy Here', toTag);
}

/** An InboundMessage as the transport layer would deliver it. */
export function inbound(message: SipMessage, protocol: Protocol = 'udp', sourcePort = 5070, connectionId?: string): InboundMessage {
  const m: InboundMessage = {
    message,
    raw: Buffer.alloc(0),
    source: { protocol, address: '127.0.0.1', port: sourcePort },
    local: { protocol, address: '127.0.0.1', port: 5060 },
    receivedAt: 0,
  };
  if (connectionId !== undefined) m.connectionId = connectionId;
  return m;
}

/** Records TU callbacks. */
export class RecordingUser {
  readonly responses: SipResponse[] = [];
  readonly states: string[] = [];
  timeouts = 0;
  transportErrors: TransportError[] = [];
  terminated = 0;
  onResponse = (r: SipResponse): void => void this.responses.push(r);
  onTimeout = (): void => void this.timeouts++;
  onTransportError = (e: TransportError): void => void this.transportErrors.push(e);
  onStateChange = (s: string): void => void this.states.push(s);
  onTerminated = (): void => void this.terminated++;
}
