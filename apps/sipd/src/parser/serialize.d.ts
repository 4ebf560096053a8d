import type { SipMessage } from './message';
export declare function serializeMessage(msg: SipMessage): Buffer;
//# sourceMappingURL=serialize.d.ts.map