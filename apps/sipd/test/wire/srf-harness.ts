// Drives drachtio-srf's DrachtioAgent without a network: its writes are captured and decoded, and
// our server messages are fed into its _onMsg(). This checks messages.ts against the exact code
// paths srf 5.0.29 uses (docs/wire-protocol.md §2–§4), not against our reading of them.
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { FrameDecoder } from '../../src/wire/frame-codec';

const load = createRequire(__filename);

/** The parts of srf's internals the specs touch (srf ships no typings for them). */
export interface SrfAgent {
  wp: object;
  request(socket: Socket, uri: string | object, options?: object, callback?: (err: Error | null, req: SrfRequest) => void): void;
  sendResponse(res: SrfResponse, opts: object, callback?: (err: unknown, msg: SrfSipMessage) => void, fnAck?: (req: SrfRequest) => void): void;
  sendAck(method: string, dialogId: string, req: SrfRequest, res: SrfResponse, opts?: object, cb?: (err: unknown) => void): void;
  proxy(req: SrfRequest, opts: object, callback: (token: string[], raw: string, meta: Record<string, string>) => void): void;
  _onConnect(socket: Socket): void;
  secret: string;
  tags: string[];
  route(verb: string): void;
  on(event: string, fn: (...args: never[]) => void): SrfAgent;
  _onMsg(socket: Socket, msg: string): void;
  set(prop: 'handler', fn: (req: SrfRequest, res: SrfResponse) => void): void;
}
export interface SrfSipMessage {
  get(name: string): string | undefined;
  status?: number;
  method?: string;
  body?: string;
}
export interface SrfRequest {
  method: string;
  uri: string;
  msg: SrfSipMessage;
  get(name: string): string | undefined;
  source: string;
  source_address: string;
  source_port: number;
  protocol: string;
  stackTime: string;
  stackTxnId: string;
  stackDialogId: string;
  receivedOn?: string;
  server?: { address: string | undefined; hostport: string | null };
  socket: Socket;
  on(ev: string, fn: (...args: unknown[]) => void): void;
}
export interface SrfResponse {
  status: number;
  msg: SrfSipMessage;
  stackDialogId: string;
  stackTxnId: string;
  req: SrfRequest;
  socket: Socket;
  agent: SrfAgent;
  send(status: number, opts?: object, cb?: (err: unknown, msg: SrfSipMessage) => void): void;
}

const Agent = load('drachtio-srf/lib/drachtio-agent') as new (handler: (req: SrfRequest, res: SrfResponse) => void) => SrfAgent;
const WireProtocol = load('drachtio-srf/lib/wire-protocol') as new (opts: object) => object;
const SipMessage = load('drachtio-srf/lib/sip-parser/message') as new (raw?: string) => SrfSipMessage;
const Request = load('drachtio-srf/lib/request') as new (msg: SrfSipMessage, meta: object) => SrfRequest;
const Response = load('drachtio-srf/lib/response') as new (agent?: SrfAgent) => SrfResponse;

export interface Harness {
  agent: SrfAgent;
  socket: Socket;
  /** Messages srf wrote, decoded from their frames. */
  written: string[];
  /** Requests srf's middleware received. */
  handled: Array<{ req: SrfRequest; res: SrfResponse }>;
  /** A network request as srf would have it after a `sip|network|…` message. */
  incoming(raw: string, meta: Partial<Record<'transactionId' | 'dialogId', string>>): { req: SrfRequest; res: SrfResponse };
}

/** An srf agent "connected" to a socket whose writes are captured; authenticate is already sent. */
export function makeHarness(secret = 's3cret', tags: string[] = []): Harness {
  const handled: Harness['handled'] = [];
  const agent = new Agent((req, res) => handled.push({ req, res }));
  agent.wp = new WireProtocol({});
  const socket = new Socket();
  const written: string[] = [];
  const decoder = new FrameDecoder();
  // srf writes strings; decode them exactly as the server would.
  (socket as unknown as { write: (s: string) => boolean }).write = (s: string) => {
    written.push(...decoder.push(Buffer.from(s, 'utf8')).frames);
    return true;
  };
  agent.secret = secret;
  agent.tags = tags;
  agent._onConnect(socket);
  const incoming: Harness['incoming'] = (raw, meta) => {
    const req = new Request(new SipMessage(raw), {
      source: 'network', address: '10.0.0.9', port: '5062', protocol: 'udp', time: '00:00:00.000000',
      transactionId: meta.transactionId ?? 'net-txn-1', dialogId: meta.dialogId ?? '',
    });
    const res = new Response(agent);
    res.req = req;
    res.socket = req.socket = socket;
    res.agent = agent;
    return { req, res };
  };
  return { agent, socket, written, handled, incoming };
}

export function sipMessage(raw: string): SrfSipMessage {
  return new SipMessage(raw);
}
