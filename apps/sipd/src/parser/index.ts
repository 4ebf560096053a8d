// Public surface of the parser layer (pure: no I/O, no timers). Layers above import from here only.
// parseMessage validates what a server must check before answering (validate.ts) and keeps header
// values raw; the parseX functions give structured views on demand, formatX write them back, and
// isValidX check the same grammar without allocating.
export * from './message';
export * from './types';
export { parseMessage, DEFAULT_MAX_SIZE } from './parse-message';
export type { ParseOptions } from './parse-message';
export { serializeMessage } from './serialize';
export { parseUri, formatUri, isValidUri } from './uri';
export { parseNameAddr, formatNameAddr, isValidNameAddr } from './name-addr';
export { nameAddrFacts, withTag, type NameAddrFacts } from './name-addr-facts';
export { parseVia, formatVia, isValidVia } from './via';
export { parseCSeq, formatCSeq, MAX_CSEQ } from './cseq';
export { parseParams, formatParams } from './params';
export { topVia } from './top-via';
