import type { ParseResult } from './types';
export interface ParseOptions {
    /** Larger inputs fail with 513 (RFC 3261 §21.5.7). Default 65535. */
    maxSize?: number;
    /**
     * True for stream transports (TCP/TLS/WS): Content-Length is then mandatory (§18.3, §20.14).
     * Default false: the input is a datagram, a missing Content-Length means "the rest".
     */
    stream?: boolean;
    /**
     * Request-URI schemes this server handles; others fail with 416 (§8.2.2.1, RFC 4475 unkscm).
     * Default ['sip', 'sips', 'tel'].
     */
    uriSchemes?: readonly string[];
}
export declare const DEFAULT_MAX_SIZE = 65535;
/** Parses one complete message. Never throws. */
export declare function parseMessage(buf: Buffer, opts?: ParseOptions): ParseResult;
//# sourceMappingURL=parse-message.d.ts.map