import type { Via } from './types';
/**
 * Parses ONE Via value (split a line with getAll('via') first, or use topVia()). Params such as
 * rport or received may have no value (null).
 */
export declare function parseVia(text: string): Via | undefined;
/** Writes 'SIP/2.0/UDP host:port;params'. */
export declare function formatVia(via: Via): string;
//# sourceMappingURL=via.d.ts.map