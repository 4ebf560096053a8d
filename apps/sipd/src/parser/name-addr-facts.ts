// From/To facts read once per value: one request's To and From are looked at by validation,
// transaction matching, the UAS core and the response builder (§8.2.6.2: the To tag is added).
// Parsing each time cost more than the rest of the request's handling; a tiny cache of the last
// values read lets the later readers of the same header value reuse the first parse.
import type { NameAddr } from './types';
import { formatNameAddr, parseNameAddr } from './name-addr';

export interface NameAddrFacts {
  /** The parsed value (shared: never mutate it), or undefined when the value is malformed. */
  readonly parsed: Readonly<NameAddr> | undefined;
  /** The tag parameter when present with a non-empty value (§19.3). */
  readonly tag: string | undefined;
}

/**
 * Slots of the cache. Readers of one message follow each other within one turn of the event loop
 * (parse → transaction layer → core), so a handful of recent values covers them; a tiny ring
 * compared with === also keeps the cache out of the old generation and off the hashing path.
 */
const SLOTS = 8;
const keys: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);
const values: NameAddrFacts[] = new Array<NameAddrFacts>(SLOTS);
let next = 0;

/** Facts of one name-addr / addr-spec value (not a comma list: split Contact values first). */
export function nameAddrFacts(value: string): NameAddrFacts {
  for (let i = 0; i < SLOTS; i++) if (keys[i] === value) return values[i] as NameAddrFacts;
  const parsed = parseNameAddr(value);
  const tag = parsed?.params.get('tag');
  const facts: NameAddrFacts = { parsed, tag: typeof tag === 'string' && tag !== '' ? tag : undefined };
  keys[next] = value;
  values[next] = facts;
  next = (next + 1) % SLOTS;
  return facts;
}

/**
 * `value` with `;tag=<tag>` added, written as formatNameAddr writes it; unchanged when it already
 * has a tag parameter (even an empty one) or does not parse (§8.2.6.2).
 */
export function withTag(value: string, tag: string): string {
  const parsed = nameAddrFacts(value).parsed;
  if (parsed === undefined || parsed.params.has('tag')) return value;
  // formatParams writes parameters in insertion order, so an added tag comes last.
  return formatNameAddr(parsed) + ';tag=' + tag;
}
