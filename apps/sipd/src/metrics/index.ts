// Prometheus metrics for sipd: a small registry, sipd's metric set and the scrape server.
export type { GaugeSample, Labels } from './registry';
export { CallbackGauge, Counter, MetricsRegistry } from './registry';
export type { ConnectionTransport, SipdGaugeSources, SipdMetrics, SipdMetricsOptions } from './sipd-metrics';
export { createSipdMetrics } from './sipd-metrics';
export type { MetricsServer, MetricsServerOptions } from './server';
export { startMetricsServer } from './server';
export { CONTENT_TYPE, escapeHelp, escapeLabelValue } from './text-format';
