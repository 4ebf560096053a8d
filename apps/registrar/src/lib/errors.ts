// Why a REGISTER fails, as a typed enum, and the SIP status each maps to: Kamailio's registrar
// keeps the same split (rerrno.h lists the failures, reply.c maps them to codes and phrases).

export enum RegError {
  /** To header missing or not a SIP URI (RFC 3261 §10.3 step 5). */
  InvalidAor = 'invalid-aor',
  /** The AOR's domain is not one we serve (§10.3 step 1/5). */
  DomainNotServed = 'domain-not-served',
  /** Max-Forwards reached 0 (§16.3 step 3) or is malformed. */
  TooManyHops = 'too-many-hops',
  BadMaxForwards = 'bad-max-forwards',
  /** The request is larger than we accept. */
  TooLarge = 'too-large',
  /** Too many failed authentications from this source or for this account. */
  Blocked = 'blocked',
  /** Authenticated, but as another user than the AOR's owner (§10.3 step 3). */
  NotOwner = 'not-owner',
  AccountDisabled = 'account-disabled',
  InvalidContact = 'invalid-contact',
  /** `*` with other contacts, or with a non-zero Expires (§10.3 step 6). */
  StarWithContacts = 'star-with-contacts',
  StarExpiresNotZero = 'star-expires-not-zero',
  InvalidExpires = 'invalid-expires',
  InvalidQ = 'invalid-q',
  InvalidCSeq = 'invalid-cseq',
  /** Expiry below the minimum (§10.3 step 7 → 423 with Min-Expires). */
  IntervalTooBrief = 'interval-too-brief',
  TooManyContacts = 'too-many-contacts',
  /** Same Call-ID with a CSeq not above the binding's (§10.3 step 7). */
  OutOfOrder = 'out-of-order',
  /** pn-provider we do not support (RFC 8599 §6.1 → 555). */
  UnsupportedPushProvider = 'unsupported-push-provider',
  /** The location store or the database failed. */
  StoreUnavailable = 'store-unavailable',
}

export interface ErrorReply {
  status: number;
  reason: string;
}

export const ERROR_REPLIES: Readonly<Record<RegError, ErrorReply>> = {
  [RegError.InvalidAor]: { status: 400, reason: 'Bad Request - Invalid AOR' },
  [RegError.DomainNotServed]: { status: 404, reason: 'Not Found' },
  [RegError.TooManyHops]: { status: 483, reason: 'Too Many Hops' },
  [RegError.BadMaxForwards]: { status: 400, reason: 'Bad Request - Invalid Max-Forwards' },
  [RegError.TooLarge]: { status: 513, reason: 'Message Too Large' },
  [RegError.Blocked]: { status: 403, reason: 'Forbidden' },
  [RegError.NotOwner]: { status: 403, reason: 'Forbidden - Not Owner Of AOR' },
  [RegError.AccountDisabled]: { status: 403, reason: 'Forbidden' },
  [RegError.InvalidContact]: { status: 400, reason: 'Bad Request - Invalid Contact' },
  [RegError.StarWithContacts]: { status: 400, reason: 'Bad Request - Wildcard With Other Contacts' },
  [RegError.StarExpiresNotZero]: { status: 400, reason: 'Bad Request - Wildcard Needs Expires 0' },
  [RegError.InvalidExpires]: { status: 400, reason: 'Bad Request - Invalid Expires' },
  [RegError.InvalidQ]: { status: 400, reason: 'Bad Request - Invalid q' },
  [RegError.InvalidCSeq]: { status: 400, reason: 'Bad Request - Invalid CSeq' },
  [RegError.IntervalTooBrief]: { status: 423, reason: 'Interval Too Brief' },
  [RegError.TooManyContacts]: { status: 503, reason: 'Too Many Registered Contacts' },
  [RegError.OutOfOrder]: { status: 500, reason: 'Server Internal Error - Out Of Order' },
  [RegError.UnsupportedPushProvider]: { status: 555, reason: 'Push Notification Service Not Supported' },
  [RegError.StoreUnavailable]: { status: 500, reason: 'Server Internal Error' },
};
