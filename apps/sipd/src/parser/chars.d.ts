/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") (§25.1) */
export declare const TOKEN: Uint8Array<ArrayBufferLike>;
/** unreserved = alphanum / mark (§25.1) */
export declare const UNRESERVED: Uint8Array<ArrayBufferLike>;
/** user = 1*( unreserved / escaped / user-unreserved ) (§25.1) */
export declare const USER_CHARS: Uint8Array<ArrayBufferLike>;
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) (§25.1) */
export declare const PASSWORD_CHARS: Uint8Array<ArrayBufferLike>;
/** paramchar = param-unreserved / unreserved / escaped (§25.1) */
export declare const PARAM_CHARS: Uint8Array<ArrayBufferLike>;
/** hname / hvalue = *( hnv-unreserved / unreserved / escaped ) (§25.1) */
export declare const HNV_CHARS: Uint8Array<ArrayBufferLike>;
/** Characters of a hostname or IPv4 address ('_' tolerated: it is common in the wild). */
export declare const HOST_CHARS: Uint8Array<ArrayBufferLike>;
/** Characters inside an IPv6 reference (RFC 5118: hex digits, ':' and a trailing dotted IPv4). */
export declare const IPV6_CHARS: Uint8Array<ArrayBufferLike>;
/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (§25.1) */
export declare const SCHEME_CHARS: Uint8Array<ArrayBufferLike>;
/** Characters allowed in a generic-param value besides quoted strings (token / host, §25.1). */
export declare const GEN_VALUE_CHARS: Uint8Array<ArrayBufferLike>;
/** word (Call-ID) = 1*(token chars / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}") */
export declare const WORD_CHARS: Uint8Array<ArrayBufferLike>;
export declare const SP = 32;
export declare const HTAB = 9;
/** True for characters in a 128-entry table (non-ASCII is never in one). */
export declare function inTable(t: Uint8Array, c: number): boolean;
export declare function isWsp(c: number): boolean;
/** Skips SP / HTAB (folds have already become SP when header values are read). */
export declare function skipWs(s: string, i: number, end: number): number;
/** Index just past a run of `t` characters starting at i. */
export declare function scanRun(t: Uint8Array, s: string, i: number, end: number): number;
/** True when every character of s is a token character (and s is not empty). */
export declare function isToken(s: string): boolean;
/**
 * Index just past a quoted-string starting at i (s[i] must be '"'), or -1 when it is not
 * terminated. quoted-pair = "\" any char except CR/LF (§25.1).
 */
export declare function scanQuoted(s: string, i: number, end: number): number;
/** Content of a quoted-string without the quotes, quoted-pairs resolved. */
export declare function unquote(quoted: string): string;
/** Writes text as a quoted-string, escaping '"' and '\' (§25.1 quoted-pair). */
export declare function quote(text: string): string;
/** Parses 1*DIGIT in s[i, end); -1 when empty, not all digits, or above `max`. */
export declare function parseDigits(s: string, i: number, end: number, max: number): number;
//# sourceMappingURL=chars.d.ts.map