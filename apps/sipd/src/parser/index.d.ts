export * from './message';
export * from './types';
export { parseMessage, DEFAULT_MAX_SIZE } from './parse-message';
export type { ParseOptions } from './parse-message';
export { serializeMessage } from './serialize';
export { parseUri, formatUri } from './uri';
export { parseNameAddr, formatNameAddr } from './name-addr';
export { parseVia, formatVia } from './via';
export { parseCSeq, formatCSeq, MAX_CSEQ } from './cseq';
export { parseParams, formatParams } from './params';
export { topVia } from './top-via';
//# sourceMappingURL=index.d.ts.map