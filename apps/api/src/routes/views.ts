// JSON views of internal records (dates as ISO strings, internal fields left out).
import type { AccountView } from '../repos/accounts';
import type { Device } from '../repos/devices';

export function accountJson(a: AccountView): Record<string, unknown> {
  return {
    id: a.id, username: a.username, domain: a.domain, phone: a.phone, email: a.email, displayName: a.displayName,
    country: a.country, timeZone: a.timeZone, language: a.language, status: a.status, hasWebPassword: a.hasWebPassword,
    avatarUpdatedAt: a.avatarUpdatedAt?.toISOString() ?? null, createdAt: a.createdAt.toISOString(),
  };
}

export function deviceJson(d: Device, current: number): Record<string, unknown> {
  return {
    id: d.id, instanceId: d.instanceId, platform: d.platform, name: d.name, userAgent: d.userAgent, push: d.push,
    current: d.id === current, holdsSipPassword: d.sipIssuedAt !== null,
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null, signedInAt: d.signedInAt?.toISOString() ?? null, createdAt: d.createdAt.toISOString(),
  };
}
