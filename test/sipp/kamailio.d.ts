export interface KamailioOptions {
    /** Config template; {{NAME}} placeholders are replaced from vars (and {{RUNDIR}}). */
    template: string;
    vars: Record<string, string | number>;
    /** Port to wait for (UDP) before resolving. */
    readyPort: number;
    /** taskset CPU list for Kamailio and its workers, e.g. '0'. */
    cpu?: string;
    /** Shared / private memory in MB (-m / -M). */
    sharedMb?: number;
    pkgMb?: number;
    runDir?: string;
    startTimeoutMs?: number;
}
export interface KamailioHandle {
    pid: number;
    runDir: string;
    cfgFile: string;
    /** Main process plus every worker currently alive (descendants via /proc). */
    pids(): number[];
    logTail(): string;
    stop(timeoutMs?: number): Promise<void>;
}
/** Replace {{NAME}} placeholders; an unknown placeholder is an error (nothing silently left). */
export declare function renderTemplate(text: string, vars: Record<string, string | number>): string;
/** All descendants of a PID (Linux /proc children lists), bounded in depth and count. */
export declare function descendants(pid: number): number[];
export declare function startKamailio(o: KamailioOptions): Promise<KamailioHandle>;
//# sourceMappingURL=kamailio.d.ts.map