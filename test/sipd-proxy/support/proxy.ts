// srf's proxyRequest, typed: the real, unmodified drachtio-srf call, with the result shape srf
// builds from the server's streamed `proxy` replies (srf lib/request.js proxy()).
import type { SrfApp, SrfMessage, SrfReq } from '../../sipd/support/srf';

export interface ProxyOptions {
  forking?: 'simultaneous' | 'sequential';
  remainInDialog?: boolean;
  followRedirects?: boolean;
  provisionalTimeout?: string;
  finalTimeout?: string;
  headers?: Record<string, string>;
}

export interface ProxyResult {
  connected: boolean;
  finalStatus?: number;
  responses: Array<{ address: string; port: number; msgs: Array<{ time: string; status: number; msg: SrfMessage }> }>;
}

type ProxyingSrf = SrfApp & {
  proxyRequest(req: SrfReq, destination: string | string[], opts: ProxyOptions): Promise<ProxyResult>;
};

export function proxyRequest(srf: SrfApp, req: SrfReq, destination: string | string[], opts: ProxyOptions): Promise<ProxyResult> {
  return (srf as ProxyingSrf).proxyRequest(req, destination, opts);
}
