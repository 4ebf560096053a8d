// The part of rtpengine-client 0.4.12 (untyped) that the stack uses.
declare module 'rtpengine-client' {
  export interface NgResponse { result: string; 'error-reason'?: string; [key: string]: unknown }
  export class Client {
    constructor(opts: { localPort?: number; localAddress?: string; timeout?: number });
    ping(port: number, host: string): Promise<NgResponse>;
    close(): void;
    on(event: 'error', fn: (err: Error) => void): this;
    on(event: 'listening', fn: () => void): this;
  }
}
