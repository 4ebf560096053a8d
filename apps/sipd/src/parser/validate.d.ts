import type { SipMessage } from './message';
export interface ValidationFailure {
    reason: string;
    status?: number;
}
/** First value of a list header line, without allocating when there is no comma. */
export declare function firstValue(line: string): string;
/** Returns undefined when the message may be handed up, else why not (and the status). */
export declare function validateMessage(msg: SipMessage, uriSchemes: readonly string[]): ValidationFailure | undefined;
//# sourceMappingURL=validate.d.ts.map