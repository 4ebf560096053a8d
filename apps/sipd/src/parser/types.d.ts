export type Params = Map<string, string | null>;
/** sip:, sips: and tel: URIs (RFC 3261 §19.1, RFC 3966). Other schemes keep `opaque`. */
export interface SipUri {
    scheme: string;
    user?: string;
    password?: string;
    host: string;
    port?: number;
    params: Params;
    headers: Map<string, string>;
    /** For schemes other than sip/sips/tel: the text after 'scheme:'. */
    opaque?: string;
}
/** name-addr / addr-spec with header parameters (From, To, Contact, Route, Record-Route, ...). */
export interface NameAddr {
    displayName?: string;
    uri: SipUri;
    params: Params;
    /** True when the value was written with <...> (needed to decide how to re-serialise). */
    angle: boolean;
    /** Contact: * */
    wildcard?: boolean;
}
/** One Via value (RFC 3261 §20.42). */
export interface Via {
    protocol: string;
    transport: string;
    host: string;
    port?: number;
    params: Params;
}
export interface CSeq {
    seq: number;
    method: string;
}
export type ParseResult = {
    ok: true;
    message: import('./message').SipMessage;
} | {
    ok: false;
    /** Reason phrase for the answer ("Bad Request - Malformed CSeq" style; one line). */
    reason: string;
    /**
     * Status to answer a request with when it is not 400 (absent means 400):
     * 505 unsupported SIP version (RFC 3261 §21.5.6, RFC 4475 badvers),
     * 416 Request-URI scheme not handled (§8.2.2.1, RFC 4475 unkscm/novelsc),
     * 513 larger than ParseOptions.maxSize (§21.5.7).
     * Responses that fail are never answered: drop them (§18.1.2).
     */
    status?: number;
    /**
     * Set when the failed message is a request whose start line could be read (or at least
     * its method and Request-URI) and that has a Via header: the caller may answer with
     * `status ?? 400` using it (§8.2.6.2); the headers it has (From, To, Call-ID, CSeq, Via)
     * are copied as usual, missing ones are simply absent (RFC 4475 insuf). The top Via may
     * itself be malformed (RFC 4475 badinv01): then answer to the source address (§18.2.2).
     * `partial.body` is always empty. Absent: drop silently.
     */
    partial?: import('./message').SipRequest;
};
//# sourceMappingURL=types.d.ts.map