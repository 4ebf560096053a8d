// sipd's metrics. Where drachtio-server has a metric (src/drachtio.h, docs/prometheus.md) sipd
// uses the same name, type and labels so existing dashboards keep working; sipd's own are sipd_*.
import { sipdVersion } from '../cli/version';
import type { Counter } from './registry';
import { MetricsRegistry } from './registry';

export type ConnectionTransport = 'tcp' | 'tls' | 'ws' | 'wss';

/** Live counts the engine owns; each is read when Prometheus scrapes. */
export interface SipdGaugeSources {
  /** Confirmed dialogs, split as drachtio does: inbound = we were UAS, outbound = we were UAC. */
  stableDialogs?: () => { inbound: number; outbound: number };
  /** Proxied call setups in progress. */
  proxyCores?: () => number;
  registeredEndpoints?: () => number;
  /** drachtio-srf apps connected to the app listener. */
  appConnections?: () => number;
  transactions?: () => { client: number; server: number };
  /** Every live dialog, early ones included. */
  dialogs?: () => number;
  /** Open SIP connections (connection-oriented transports only). */
  connections?: () => Partial<Record<ConnectionTransport, number>>;
}

export interface SipdMetrics {
  readonly registry: MetricsRegistry;
  /** A request received from the network, by method. */
  readonly requestsIn: Counter<'method'>;
  /** A request sent to the network (retransmissions excluded), by method. */
  readonly requestsOut: Counter<'method'>;
  /** A response received, by CSeq method and status code. */
  readonly responsesIn: Counter<'method' | 'code'>;
  /** A response sent, by CSeq method and status code. */
  readonly responsesOut: Counter<'method' | 'code'>;
  /** Bytes that could not be parsed as a SIP message, by transport. */
  readonly parseErrors: Counter<'transport'>;
  /** Sets or replaces gauge callbacks; unset gauges show no samples. */
  bind(sources: SipdGaugeSources): void;
}

export interface SipdMetricsOptions {
  version?: string;
  /** Process start, ms since the epoch (default: now). */
  startedAt?: number;
  sources?: SipdGaugeSources;
}

export function createSipdMetrics(opts: SipdMetricsOptions = {}): SipdMetrics {
  const registry = new MetricsRegistry();
  const src: SipdGaugeSources = { ...opts.sources };
  const startedAt = Math.floor((opts.startedAt ?? Date.now()) / 1000);

  const requestsIn = registry.counter('drachtio_sip_requests_in_total', 'count of sip requests received', ['method']);
  const requestsOut = registry.counter('drachtio_sip_requests_out_total', 'count of sip requests sent', ['method']);
  const responsesIn = registry.counter('drachtio_sip_responses_in_total', 'count of sip responses received', ['method', 'code']);
  const responsesOut = registry.counter('drachtio_sip_responses_out_total', 'count of sip responses sent', ['method', 'code']);
  // drachtio publishes its version as a counter set to 1.
  registry.counter('drachtio_build_info', 'sipd version running', ['version']).inc({ version: opts.version ?? sipdVersion() });
  registry.gauge('drachtio_time_started', 'sipd start time', [], () => startedAt);
  registry.gauge('drachtio_stable_dialogs', 'count of SIP dialogs in progress', ['type'], () => {
    const d = src.stableDialogs?.();
    return d && [{ labels: { type: 'inbound' }, value: d.inbound }, { labels: { type: 'outbound' }, value: d.outbound }];
  });
  registry.gauge('drachtio_proxy_cores', 'count of proxied call setups in progress', [], () => src.proxyCores?.());
  registry.gauge('drachtio_registered_endpoints', 'count of registered endpoints', [], () => src.registeredEndpoints?.());
  registry.gauge('drachtio_app_connections', 'count of connections to drachtio applications', [], () => src.appConnections?.());

  registry.gauge('sipd_transactions', 'live SIP transactions (RFC 3261 section 17)', ['type'], () => {
    const t = src.transactions?.();
    return t && [{ labels: { type: 'client' }, value: t.client }, { labels: { type: 'server' }, value: t.server }];
  });
  registry.gauge('sipd_dialogs', 'live SIP dialogs, early and confirmed', [], () => src.dialogs?.());
  registry.gauge('sipd_connections', 'open SIP transport connections', ['transport'], () => {
    const c = src.connections?.();
    return c && Object.entries(c).map(([transport, value]) => ({ labels: { transport }, value: value ?? 0 }));
  });
  const parseErrors = registry.counter('sipd_parse_errors_total', 'messages that could not be parsed as SIP', ['transport']);

  return {
    registry,
    requestsIn,
    requestsOut,
    responsesIn,
    responsesOut,
    parseErrors,
    bind(sources) {
      Object.assign(src, sources);
    },
  };
}
