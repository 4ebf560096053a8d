export type StartLine = {
    kind: 'request';
    method: string;
    uri: string;
    version: string;
} | {
    kind: 'response';
    status: number;
    reason: string;
    version: string;
};
export interface StartLineError {
    kind: 'error';
    reason: string;
    /** 505 for a SIP version we do not speak (RFC 3261 §21.5.6, RFC 4475 badvers). */
    status?: number;
    /** Method and URI as far as they could be read, so a request can still be answered. */
    method?: string;
    uri?: string;
}
export declare function parseStartLine(line: string): StartLine | StartLineError;
//# sourceMappingURL=start-line.d.ts.map