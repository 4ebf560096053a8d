import type { SipMessage } from './message';
import type { Via } from './types';
export declare function topVia(msg: SipMessage): Via | undefined;
//# sourceMappingURL=top-via.d.ts.map