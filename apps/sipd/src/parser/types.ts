// Structured views of header values. Parameter maps are keyed by lower-case name and keep
// insertion order; a value of null means a parameter without '=' (e.g. ';lr', ';rport').

export type Params = Map<string, string | null>;

/** sip:, sips: and tel: URIs (RFC 3261 §19.1, RFC 3966). Other schemes keep `opaque`. */
export interface SipUri {
  scheme: string; // lower-case: 'sip' | 'sips' | 'tel' | ...
  user?: string; // unescaped user part (for tel:, the number)
  password?: string;
  host: string; // IPv6 references keep their brackets: '[::1]'; empty for tel:/opaque
  port?: number;
  params: Params;
  headers: Map<string, string>; // ?name=value (unescaped)
  /** For schemes other than sip/sips/tel: the text after 'scheme:'. */
  opaque?: string;
}

/** name-addr / addr-spec with header parameters (From, To, Contact, Route, Record-Route, ...). */
export interface NameAddr {
  displayName?: string; // unquoted, unescaped
  uri: SipUri;
  params: Params; // header params after the URI (tag, expires, q, +sip.instance, ...)
  /** True when the value was written with <...> (needed to decide how to re-serialise). */
  angle: boolean;
  /** Contact: * */
  wildcard?: boolean;
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  protocol: string; // 'SIP/2.0'
  transport: string; // upper-case: UDP TCP TLS SCTP WS WSS
  host: string; // '[::1]' brackets kept
  port?: number;
  params: Params; // branch, received, rport, maddr, ttl, ...
}

export interface CSeq {
  seq: number;
  method: string;
}

export type ParseResult =
  | { ok: true; message: import('./message').SipMessage }
  | {
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
