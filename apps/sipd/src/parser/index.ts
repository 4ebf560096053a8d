// Public surface of the parser layer (pure: no I/O, no timers). Layers above import from here only.
// STUB: the parser helper replaces the bodies below; the signatures are the contract.
export * from './message';
export * from './types';
import type { SipMessage } from './message';
import type { CSeq, NameAddr, ParseResult, SipUri, Via, Params } from './types';

const todo = (): never => { throw new Error('parser: not implemented yet'); };

/** Parses one complete datagram / framed message. Never throws. */
export function parseMessage(_buf: Buffer, _opts?: { maxSize?: number }): ParseResult { return todo(); }
/** Serialises with a correct Content-Length (added or replaced). */
export function serializeMessage(_msg: SipMessage): Buffer { return todo(); }
export function parseUri(_text: string): SipUri | undefined { return todo(); }
export function formatUri(_uri: SipUri): string { return todo(); }
export function parseNameAddr(_text: string): NameAddr | undefined { return todo(); }
export function formatNameAddr(_na: NameAddr): string { return todo(); }
export function parseVia(_text: string): Via | undefined { return todo(); }
export function formatVia(_via: Via): string { return todo(); }
export function parseCSeq(_text: string): CSeq | undefined { return todo(); }
export function parseParams(_text: string): Params | undefined { return todo(); }
export function formatParams(_p: Params): string { return todo(); }
