/** Decodes %HH escapes. Fast path: no '%' means the input is returned as is. */
export declare function unescape(s: string): string;
/** Escapes every character not in `allowed` as %HH of its UTF-8 bytes. */
export declare function escape(s: string, allowed: Uint8Array): string;
//# sourceMappingURL=escape.d.ts.map