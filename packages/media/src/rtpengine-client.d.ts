// The part of rtpengine-client 0.4.12 (untyped JavaScript) that packages/media uses: the UDP ng
// client. Every command takes the daemon's port and host and a bencoded dictionary.
declare module 'rtpengine-client' {
  export type NgValue = string | number | NgValue[] | { [key: string]: NgValue };
  export interface NgResponse { result: string; 'error-reason'?: string; [key: string]: unknown }
  export class Client {
    constructor(opts: { localPort?: number; localAddress?: string; timeout?: number });
    ping(port: number, host: string): Promise<NgResponse>;
    offer(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    answer(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    delete(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    query(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    playMedia(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    stopMedia(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    playDTMF(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    blockMedia(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    unblockMedia(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    blockDTMF(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    unblockDTMF(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    startRecording(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    stopRecording(port: number, host: string, opts: Record<string, NgValue>): Promise<NgResponse>;
    close(): void;
    on(event: 'error', fn: (err: Error) => void): this;
    on(event: 'listening', fn: () => void): this;
  }
}
