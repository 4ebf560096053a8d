// Public surface of the transport layer (RFC 3261 §18, RFC 3581, RFC 5626 keep-alives).
export * from './types';
export * from './errors';
export * from './counters';
export type { Transport, ConnectionTransport, ConnectionInfo, TransportSink, TransportLogger } from './transport';
export { StreamFramer, KEEPALIVE_PONG, type FrameEvent, type FrameErrorReason, type StreamFramerOptions } from './stream-framer';
export { parseContact, type ListenSpec } from './contact';
export { responseDestination, defaultPort } from './response-routing';
export { processInboundVia, sentByMatcher, topVia, badRequest, type SentByMatcher } from './inbound';
export type { UdpOptions } from './udp-transport';
export type { TcpOptions } from './tcp-transport';
export { TransportLayer, type TransportLayerOptions, type TransportLayerEvents } from './transport-layer';
