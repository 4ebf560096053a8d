// Minimal declarations for the xmpp.js packages (they ship no types). The glue wraps them in
// typed helpers (xml.ts, client.ts, ../component/connection.ts) and exposes only its own types.
declare module '@xmpp/client' {
  export const client: (options: Record<string, unknown>) => unknown;
  export const xml: (...args: unknown[]) => unknown;
}
declare module '@xmpp/component' {
  export const component: (options: Record<string, unknown>) => unknown;
  export const xml: (...args: unknown[]) => unknown;
}
declare module '@xmpp/xml' {
  const xml: (...args: unknown[]) => unknown;
  export default xml;
}
