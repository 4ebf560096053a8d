// OPTIONS to the domain (or to this server) answered 200: clients use it as a keepalive and to
// learn what we support (RFC 3261 §11.2).
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import type { Middleware } from './srf-types';

export function options(_srf: Srf, _logger: Logger): Middleware {
  return (_req, res) => {
    res.send(200, 'OK', { headers: { Allow: 'REGISTER, OPTIONS', Accept: 'application/sdp', Supported: 'path, outbound' } });
  };
}
