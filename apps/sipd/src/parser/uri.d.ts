import type { SipUri } from './types';
/** Parses a URI. Returns undefined when it is not a well-formed absolute URI. */
export declare function parseUri(text: string): SipUri | undefined;
/** Writes a URI; components are re-escaped where their characters require it (§19.1.2). */
export declare function formatUri(uri: SipUri): string;
//# sourceMappingURL=uri.d.ts.map