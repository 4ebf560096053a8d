/** A header line as received or as it will be sent. `key` is the lower-case long form. */
export interface Header {
    /** Name as it will be written (canonical capitalisation, long form). */
    name: string;
    /** Lower-case long form, used for lookups ('v' and 'Via' both give 'via'). */
    key: string;
    value: string;
}
export type SipVersion = 'SIP/2.0';
declare abstract class SipMessageBase {
    headers: Header[];
    /** Body bytes; empty when there is none. Content-Length is recomputed when serialising. */
    body: Buffer;
    /** First value of a header (by any spelling: 'Via', 'v', 'via'). */
    get(name: string): string | undefined;
    /** Every header line with this name, in order, each line as written (not split at commas). */
    getLines(name: string): string[];
    /**
     * Every value of a list header (Via, Route, Record-Route, Contact, Allow, Supported, ...):
     * the lines in order, each split at top-level commas (not inside quotes or <>).
     */
    getAll(name: string): string[];
    has(name: string): boolean;
    /** Replaces every line of the header with one line (appended at the end if absent). */
    set(name: string, value: string): void;
    /** Adds a line after the existing ones (or at the end). */
    append(name: string, value: string): void;
    /** Adds a line before the first line of the same header (top Via, Record-Route). */
    prepend(name: string, value: string): void;
    /** Removes every line of the header; returns how many were removed. */
    remove(name: string): number;
    /** Removes the first value of a list header (top Via), keeping the others on that line. */
    removeFirstValue(name: string): string | undefined;
    get callId(): string;
}
export declare class SipRequest extends SipMessageBase {
    method: string;
    /** Request-URI as text; parse with parseUri() when structure is needed. */
    uri: string;
    version: SipVersion;
    readonly kind: "request";
    constructor(method: string, 
    /** Request-URI as text; parse with parseUri() when structure is needed. */
    uri: string, version?: SipVersion);
}
export declare class SipResponse extends SipMessageBase {
    status: number;
    reason: string;
    version: SipVersion;
    readonly kind: "response";
    constructor(status: number, reason: string, version?: SipVersion);
}
export type SipMessage = SipRequest | SipResponse;
export declare const EMPTY_BODY: Buffer;
/** Lower-case long form of a header name ('v' → 'via', 'Call-Id' → 'call-id'). */
export declare function headerKey(name: string): string;
/** The name a header is written with: 'call-id' → 'Call-ID', 'max-forwards' → 'Max-Forwards'. */
export declare function canonicalName(key: string): string;
/**
 * Splits a header value at commas that are not inside a quoted string or <...> (RFC 3261 §7.3.1).
 * Values are trimmed; empty items are dropped.
 */
export declare function splitHeaderList(value: string): string[];
export {};
//# sourceMappingURL=message.d.ts.map