import type { NameAddr } from './types';
/**
 * Parses ONE name-addr or addr-spec with its header parameters (split lists with getAll first).
 * Without <>, parameters after the URI belong to the header, not the URI (§20.10), and the URI
 * may not contain ',', ';' or '?' (RFC 4475 regbadct).
 */
export declare function parseNameAddr(text: string): NameAddr | undefined;
/** Writes a name-addr (or `*`); uses <> whenever an addr-spec would be ambiguous (§20.10). */
export declare function formatNameAddr(na: NameAddr): string;
//# sourceMappingURL=name-addr.d.ts.map