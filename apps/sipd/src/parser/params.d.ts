import type { Params } from './types';
/**
 * Reads `;name[=value]` pairs from s[i, end) into `out`. The whole range must be consumed:
 * returns false on an empty name, an empty value, or any other character (RFC 4475 badinv01).
 */
export declare function scanParams(s: string, i: number, end: number, out: Params): boolean;
/** Parses a parameter list such as ';tag=1;lr' (the leading ';' may be omitted). */
export declare function parseParams(text: string): Params | undefined;
/** Writes ';name=value;flag' (empty string for no parameters). */
export declare function formatParams(p: Params): string;
//# sourceMappingURL=params.d.ts.map