/** The value as a number, or -1 when it is not 1*DIGIT (RFC 4475 ncl) or absurdly long. */
export declare function contentLength(value: string): number;
//# sourceMappingURL=content-length.d.ts.map