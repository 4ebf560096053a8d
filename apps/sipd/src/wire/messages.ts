// Typed parse/format of every drachtio wire message (docs/wire-protocol.md §2–§6).
// Parsers never throw: malformed input comes back as a CommandError / WireError value.
import { WireError } from './errors';
import { CRLF, formatMeta, parseSipText, type SipMeta, type SipText } from './sip-text';

export type MsgId = string;

// ───────────────────────────── app → server ─────────────────────────────

export interface AuthenticateCommand { type: 'authenticate'; msgId: MsgId; secret: string; tags: string[] }
/** verb is lower-cased: a SIP method (`invite`) or a CDR event (`cdr:start`). */
export interface RouteCommand { type: 'route'; msgId: MsgId; verb: string }
export interface RemoveRouteCommand { type: 'remove_route'; msgId: MsgId; verb: string }
export interface PingCommand { type: 'ping'; msgId: MsgId }
export interface SipCommandMessage { type: 'sip'; msgId: MsgId; command: SipCommand }
export interface ProxyCommandMessage { type: 'proxy'; msgId: MsgId; command: ProxyCommand }

export type AppCommand =
  | AuthenticateCommand
  | RouteCommand
  | RemoveRouteCommand
  | PingCommand
  | SipCommandMessage
  | ProxyCommandMessage;

/** A frame that could not be turned into a command; msgId is set when it could be read. */
export interface CommandError { type: 'error'; msgId: MsgId | undefined; error: WireError }

/** The meanings of a `sip` command, in drachtio-server's dispatch order (§2.4 a–e). */
export type SipCommand =
  /** a) response to a network request (transactionId = req.stackTxnId). */
  | { kind: 'response'; transactionId: string; dialogId: string; status: number; reason: string; sip: SipText }
  /** b) request inside a dialog, other than ACK/PRACK. transactionId is usually ''. */
  | { kind: 'in-dialog'; dialogId: string; transactionId: string; method: string; requestUri: string; sip: SipText }
  /** b) ACK for a 2xx we received (srf Response#sendAck). */
  | { kind: 'ack'; dialogId: string; requestUri: string; sip: SipText }
  /** b) PRACK for a reliable 1xx we received (srf Response#sendPrack; carries RAck). */
  | { kind: 'prack'; dialogId: string; requestUri: string; sip: SipText }
  /** c) CANCEL of the app's own INVITE, transactionId = that INVITE's stackTxnId. */
  | { kind: 'cancel'; transactionId: string; requestUri: string; sip: SipText }
  /**
   * d/e) new request: outside a dialog, unless its Call-ID names an existing dialog (the engine
   * checks, as drachtio-server does). routeUrl = outbound proxy for the first hop (srf opts.proxy).
   */
  | { kind: 'request'; method: string; requestUri: string; routeUrl: string | undefined; sip: SipText };

export interface ProxyCommand {
  transactionId: string;
  recordRoute: boolean; // token 'remainInDialog'
  fullResponse: boolean;
  followRedirects: boolean;
  simultaneous: boolean; // 'simultaneous' | 'serial'
  provisionalTimeout: string; // '' | '2s' | '1500ms'
  finalTimeout: string;
  destinations: string[];
  /** `<METHOD> <dest1> SIP/2.0` plus headers the app wants added; may be absent. */
  sip: SipText | undefined;
}

const fail = (msgId: MsgId | undefined, code: WireError['code'], text: string): CommandError => ({
  type: 'error',
  msgId,
  error: new WireError(code, text),
});

/** Splits a frame into its leader tokens and the SIP text after the first CRLF. */
export function splitMessage(text: string): { tokens: string[]; sipRaw: string | undefined } {
  const pos = text.indexOf(CRLF);
  const leader = pos < 0 ? text : text.slice(0, pos);
  return { tokens: leader.split('|'), sipRaw: pos < 0 ? undefined : text.slice(pos + 2) };
}

export function parseAppCommand(text: string): AppCommand | CommandError {
  const { tokens, sipRaw } = splitMessage(text);
  const msgId = tokens[0] ?? '';
  if (tokens.length < 2 || msgId === '') return fail(msgId || undefined, 'EFORMAT', 'Invalid message format');
  const type = tokens[1];
  switch (type) {
    case 'authenticate': {
      const tags = (tokens[3] ?? '').split(',').filter((t) => t.length > 0);
      return { type, msgId, secret: tokens[2] ?? '', tags };
    }
    case 'route':
    case 'remove_route': {
      const verb = (tokens[2] ?? '').trim().toLowerCase();
      if (verb === '') return fail(msgId, 'EFORMAT', `${type} request is missing the verb`);
      return { type, msgId, verb };
    }
    case 'ping':
      return { type, msgId };
    case 'sip':
      return parseSipCommand(msgId, tokens, sipRaw);
    case 'proxy':
      return parseProxyCommand(msgId, tokens, sipRaw);
    default:
      return fail(msgId, 'EUNKNOWNTYPE', 'Unknown message type');
  }
}

function parseSipCommand(msgId: MsgId, tokens: string[], sipRaw: string | undefined): SipCommandMessage | CommandError {
  if (tokens.length < 4) return fail(msgId, 'EFORMAT', 'sip command needs transaction id and dialog id tokens');
  if (sipRaw === undefined) return fail(msgId, 'EBADSIP', 'sip command without a SIP message');
  const sip = parseSipText(sipRaw);
  if (!sip) {
    const line = sipRaw.split(CRLF, 1)[0] ?? '';
    return fail(msgId, 'EBADSIP', `invalid request-uri or status line: ${line}`);
  }
  const transactionId = tokens[2] as string;
  const dialogId = tokens[3] as string;
  const routeUrl = tokens.length > 4 && tokens[4] !== '' ? tokens[4] : undefined;
  const sl = sip.startLine;
  let command: SipCommand;
  if (sl.kind === 'response') {
    if (transactionId === '') return fail(msgId, 'EFORMAT', 'transaction id missing');
    command = { kind: 'response', transactionId, dialogId, status: sl.status, reason: sl.reason, sip };
  } else if (dialogId !== '') {
    const { method, requestUri } = sl;
    if (method === 'ACK') command = { kind: 'ack', dialogId, requestUri, sip };
    else if (method === 'PRACK') command = { kind: 'prack', dialogId, requestUri, sip };
    else command = { kind: 'in-dialog', dialogId, transactionId, method, requestUri, sip };
  } else if (transactionId !== '') {
    if (sl.method !== 'CANCEL') {
      // drachtio-server asserts here; we answer instead.
      return fail(msgId, 'EUNSUPPORTED', `${sl.method} with a transaction id is not supported (only CANCEL)`);
    }
    command = { kind: 'cancel', transactionId, requestUri: sl.requestUri, sip };
  } else {
    command = { kind: 'request', method: sl.method, requestUri: sl.requestUri, routeUrl, sip };
  }
  return { type: 'sip', msgId, command };
}

function parseProxyCommand(msgId: MsgId, tokens: string[], sipRaw: string | undefined): ProxyCommandMessage | CommandError {
  if (tokens.length < 10) return fail(msgId, 'EFORMAT', 'Invalid proxy request: not enough information provided');
  const sip = sipRaw === undefined ? undefined : parseSipText(sipRaw);
  const destinations = tokens.slice(9).filter((d) => d.length > 0);
  if (destinations.length === 0) return fail(msgId, 'EFORMAT', 'Invalid proxy request: no destination');
  return {
    type: 'proxy',
    msgId,
    command: {
      transactionId: tokens[2] as string,
      recordRoute: tokens[3] === 'remainInDialog',
      fullResponse: tokens[4] === 'fullResponse',
      followRedirects: tokens[5] === 'followRedirects',
      simultaneous: tokens[6] === 'simultaneous',
      provisionalTimeout: tokens[7] as string,
      finalTimeout: tokens[8] as string,
      destinations,
      sip,
    },
  };
}

/** What srf would send for a command (used by tests and tools playing the app side). */
export function formatAppCommand(cmd: AppCommand): string {
  switch (cmd.type) {
    case 'authenticate':
      return `${cmd.msgId}|authenticate|${cmd.secret}|${cmd.tags.join(',')}`;
    case 'route':
    case 'remove_route':
      return `${cmd.msgId}|${cmd.type}|${cmd.verb}`;
    case 'ping':
      return `${cmd.msgId}|ping`;
    case 'sip': {
      const c = cmd.command;
      let txn = '';
      let dlg = '';
      let extra = '';
      if (c.kind === 'response') [txn, dlg] = [c.transactionId, c.dialogId];
      else if (c.kind === 'in-dialog') [txn, dlg] = [c.transactionId, c.dialogId];
      else if (c.kind === 'ack' || c.kind === 'prack') dlg = c.dialogId;
      else if (c.kind === 'cancel') txn = c.transactionId;
      else if (c.routeUrl !== undefined) extra = `|${c.routeUrl}`;
      return `${cmd.msgId}|sip|${txn}|${dlg}${extra}${CRLF}${c.sip.raw}`;
    }
    case 'proxy': {
      const p = cmd.command;
      const leader = [
        cmd.msgId, 'proxy', p.transactionId,
        p.recordRoute ? 'remainInDialog' : '', p.fullResponse ? 'fullResponse' : '',
        p.followRedirects ? 'followRedirects' : '', p.simultaneous ? 'simultaneous' : 'serial',
        p.provisionalTimeout, p.finalTimeout, ...p.destinations,
      ].join('|');
      return p.sip ? `${leader}${CRLF}${p.sip.raw}` : leader;
    }
  }
}

// ───────────────────────────── server → app ─────────────────────────────

/** The engine's answer to one app command (one `response` frame each; proxy may send several). */
export type CommandReply =
  /** token 'NOK' from the SIP controllers, 'NO' from drachtio's client.cpp (auth, format). */
  | { kind: 'failure'; reason: string; token?: 'NOK' | 'NO' }
  | { kind: 'authenticated'; hostports: string[]; version: string; localHostports: string[] }
  | { kind: 'pong' }
  | { kind: 'ok' }
  /** A request (new, in-dialog, ACK, PRACK, CANCEL) went out; sip = the request exactly as sent. */
  | { kind: 'request-sent'; meta: SipMeta; transactionId: string; sip: string | Buffer }
  /** A response went out; dialogId becomes srf's res.stackDialogId (Dialog.id). */
  | { kind: 'response-sent'; meta: SipMeta; transactionId: string; dialogId: string; sip: string | Buffer }
  /** One final response received while proxying (fullResponse); the command stays open. */
  | { kind: 'proxy-response'; meta: SipMeta; sip: string | Buffer }
  | { kind: 'proxy-done' };

/** Whether the app's command stays pending after this reply (srf keeps its callback). */
export function replyContinues(reply: CommandReply): boolean {
  return reply.kind === 'proxy-response';
}

export type FrameParts = Array<string | Buffer>;

export function formatReply(msgId: MsgId, replyTo: MsgId, reply: CommandReply): FrameParts {
  const head = `${msgId}|response|${replyTo}|`;
  switch (reply.kind) {
    case 'failure':
      return [`${head}${reply.token ?? 'NOK'}|${oneLine(reply.reason)}`];
    case 'authenticated':
      return [`${head}OK|${reply.hostports.join(',')}|${reply.version}|${reply.localHostports.join(',')}`];
    case 'pong':
      return [`${head}OK|pong`];
    case 'ok':
      return [`${head}OK`];
    case 'request-sent':
      return [`${head}OK|${formatMeta(reply.meta)}|${reply.transactionId}|Msg sent:|${CRLF}`, reply.sip];
    case 'response-sent':
      return [`${head}OK|${formatMeta(reply.meta)}|${reply.transactionId}|${reply.dialogId}||Msg sent:|${CRLF}`, reply.sip];
    case 'proxy-response':
      return [`${head}OK|${formatMeta(reply.meta)}|||continue${CRLF}`, reply.sip];
    case 'proxy-done':
      return [`${head}OK|done`];
  }
}

/** A SIP message pushed to the app (docs/wire-protocol.md §4). */
export interface SipToApp {
  meta: SipMeta;
  /** New id for new/in-dialog requests; the request's id for responses/CANCEL; 'unsolicited'. */
  transactionId: string;
  /** '' for requests outside a dialog. */
  dialogId: string;
  /** Listening address/port a new out-of-dialog request arrived on (srf req.receivedOn). */
  receivedOn?: { address: string; port: number };
  raw: string | Buffer;
}

export function formatSipToApp(msgId: MsgId, m: SipToApp): FrameParts {
  const recv = m.receivedOn ? `${m.receivedOn.address}|${m.receivedOn.port}|` : '';
  return [`${msgId}|sip|${formatMeta(m.meta)}|${m.transactionId}|${m.dialogId}|${recv}${CRLF}`, m.raw];
}

export type CdrEvent =
  | { event: 'attempt'; source: 'network' | 'application'; time: string; raw: string | Buffer }
  | { event: 'start'; source: 'network' | 'application'; time: string; role: 'uac' | 'uas' | 'proxy-uac' | 'proxy-uas'; raw: string | Buffer }
  | {
      event: 'stop';
      source: 'network' | 'application';
      time: string;
      reason: 'call-rejected' | 'call-canceled' | 'normal-release' | 'session-expired' | 'system-initiated-termination' | 'system-error-initiated-termination';
      raw: string | Buffer;
    };

export function formatCdr(msgId: MsgId, ev: CdrEvent): FrameParts {
  const extra = ev.event === 'start' ? `|${ev.role}` : ev.event === 'stop' ? `|${ev.reason}` : '';
  return [`${msgId}|cdr:${ev.event}|${ev.source}|${ev.time}${extra}${CRLF}`, ev.raw];
}

/** Any server → app message, decoded (for tests and a future outbound-connection client). */
export type ServerMessage =
  | { type: 'response'; msgId: MsgId; replyTo: MsgId; status: string; ok: boolean; tokens: string[]; continues: boolean; sip: string | undefined }
  | { type: 'sip'; msgId: MsgId; meta: SipMeta; transactionId: string; dialogId: string; receivedOn: string | undefined; sip: string }
  | { type: 'cdr'; msgId: MsgId; event: string; source: string; time: string; detail: string | undefined; sip: string };

export function parseServerMessage(text: string): ServerMessage | WireError {
  const { tokens: t, sipRaw } = splitMessage(text);
  const msgId = t[0] ?? '';
  const type = t[1] ?? '';
  if (type === 'response') {
    if (t.length < 4) return new WireError('EFORMAT', 'response without status');
    const status = t[3] as string;
    return { type, msgId, replyTo: t[2] as string, status, ok: status === 'OK', tokens: t.slice(4), continues: t[12] === 'continue', sip: sipRaw };
  }
  if (type === 'sip') {
    if (t.length < 10 || sipRaw === undefined) return new WireError('EFORMAT', 'sip message with too few tokens');
    const source = t[2] === 'network' ? 'network' : 'application';
    const meta: SipMeta = { source, bytes: Number(t[3]), protocol: t[4] as string, address: t[5] as string, port: Number(t[6]), time: t[7] as string };
    const receivedOn = t.length > 11 ? `${t[10]}:${t[11]}` : undefined;
    return { type, msgId, meta, transactionId: t[8] as string, dialogId: t[9] as string, receivedOn, sip: sipRaw };
  }
  if (type.startsWith('cdr:')) {
    if (sipRaw === undefined) return new WireError('EFORMAT', 'cdr without SIP message');
    return { type: 'cdr', msgId, event: type.slice(4), source: t[2] ?? '', time: t[3] ?? '', detail: t[4], sip: sipRaw };
  }
  return new WireError('EUNKNOWNTYPE', `unknown server message type '${type}'`);
}

/** Leader tokens must not carry '|' or CRLF: a reason text is flattened rather than break framing. */
function oneLine(s: string): string {
  return s.replace(/[\r\n|]+/g, ' ');
}
