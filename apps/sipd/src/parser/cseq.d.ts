import type { CSeq } from './types';
export declare const MAX_CSEQ = 2147483647;
export declare function parseCSeq(text: string): CSeq | undefined;
export declare function formatCSeq(c: CSeq): string;
//# sourceMappingURL=cseq.d.ts.map