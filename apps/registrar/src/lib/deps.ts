// Everything the registrar's steps need, built once in app.ts and kept in srf.locals (jambonz).
import type Srf from 'drachtio-srf';
import type { Logger } from '@openline/log';
import type { LocationStore } from '@openline/location';
import type { DigestServer } from '@openline/sip-auth';
import type { AuthGuard } from './auth-guard';
import type { CredentialSource, DomainSet } from './credentials';
import type { DeviceRecorder } from './devices';
import type { PlanSettings } from './plan';

export interface RegistrarSettings extends PlanSettings {
  /** Requests larger than this are answered 513. */
  maxMessageBytes: number;
  /**
   * push.refreshBeforeSeconds while push is enabled (the B2BUA's binding-refresh scheduler sends
   * RFC 8599 §5.5 pushes), else null: decides the +sip.pnsreg Feature-Caps indicator.
   */
  pushRefreshBeforeSeconds: number | null;
}

export interface RegistrarDeps {
  settings: RegistrarSettings;
  store: LocationStore;
  digest: DigestServer;
  credentials: CredentialSource;
  domains: DomainSet;
  guard: AuthGuard;
  devices: DeviceRecorder;
  logger: Logger;
  /** This node's sipd, "host:port" of its SIP listener (set when srf connects). */
  node: { id: string };
}

const KEY = 'registrar';

export function setDeps(srf: Srf, deps: RegistrarDeps): void {
  srf.locals[KEY] = deps;
}

export function depsOf(srf: Srf): RegistrarDeps {
  return srf.locals[KEY] as RegistrarDeps;
}
