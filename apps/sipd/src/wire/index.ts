// Public surface of the wire layer (drachtio wire protocol server). The engine imports from here.
// Contract: docs/wire-protocol.md.
export { AdminServer, DEFAULT_ADMIN_PORT, DEFAULT_SERVER_VERSION } from './admin-server';
export type { AdminServerEvents, AdminServerOptions } from './admin-server';
export { AppConnection } from './app-connection';
export type { DisconnectInfo } from './app-connection';
export { InvalidStateError, isFatal, WireError } from './errors';
export type { WireErrorCode } from './errors';
export { DEFAULT_MAX_FRAME_BYTES, encodeFrame, encodeFrameParts, FrameDecoder } from './frame-codec';
export {
  formatAppCommand,
  formatCdr,
  formatReply,
  formatSipToApp,
  parseAppCommand,
  parseServerMessage,
} from './messages';
export type {
  AppCommand,
  CdrEvent,
  CommandError,
  CommandReply,
  MsgId,
  ProxyCommand,
  ServerMessage,
  SipCommand,
  SipToApp,
} from './messages';
export { RouteRegistry } from './route-registry';
export { formatMeta, formatWireTime, headerValue, parseSipText, parseStartLine } from './sip-text';
export type { SipMeta, SipText, StartLine, WireHeader } from './sip-text';
