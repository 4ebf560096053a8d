// Everything the B2BUA's steps and sessions need, built once in app.ts and kept in srf.locals
// (jambonz).
import type Srf from 'drachtio-srf';
import type { CdrRecord } from '@openline/cdr';
import type { Logger } from '@openline/log';
import type { LocationStore } from '@openline/location';
import type { MediaServer } from '@openline/media';
import type { DigestServer } from '@openline/sip-auth';
import type { Directory } from './directory';
import type { CallLimits } from './limits';
import type { PushCallGateway } from './push';
import type { Router } from './router';
import type { SessionTracker } from './session-tracker';
import type { B2buaSettings } from './settings';

/** Where finished CDRs go: packages/cdr's DurableCdrWriter (spool + retry) in production. */
export interface CdrSink {
  write(cdr: CdrRecord): Promise<void>;
}

export interface B2buaDeps {
  srf: Srf;
  settings: B2buaSettings;
  logger: Logger;
  directory: Directory;
  router: Router;
  digest: DigestServer;
  location: LocationStore;
  media: MediaServer;
  limits: CallLimits;
  cdr: CdrSink;
  push: PushCallGateway;
  sessions: SessionTracker;
  /** This node's id in CDRs (sipd's SIP host:port once connected). */
  node: { id: string };
}

const KEY = 'b2bua';

export function setDeps(srf: Srf, deps: B2buaDeps): void {
  srf.locals[KEY] = deps;
}

export function depsOf(srf: Srf): B2buaDeps {
  return srf.locals[KEY] as B2buaDeps;
}
