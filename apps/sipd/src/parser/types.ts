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
      /** Reason phrase for a 400 ("Bad Request - Missing Call-ID" style is fine; one line). */
      reason: string;
      /**
       * Set when the start line and the headers needed to answer (Via, From, To, Call-ID, CSeq)
       * could be read: the caller may then send a 400 using them. Absent: drop silently.
       */
      partial?: import('./message').SipRequest;
    };
