/// <reference types="mocha" />
// sipd's metric set: drachtio-server's names, types and labels (src/drachtio.h, docs/prometheus.md)
// plus sipd_* gauges read from the engine at scrape time.
import assert from 'node:assert/strict';
import { createSipdMetrics } from '../../src/metrics';

function sample(text: string, line: string): boolean {
  return text.split('\n').includes(line);
}

describe('createSipdMetrics', () => {
  it('declares drachtio\'s metrics with drachtio\'s types', () => {
    const text = createSipdMetrics().registry.render();
    const types: Array<[string, string]> = [
      ['drachtio_sip_requests_in_total', 'counter'], ['drachtio_sip_requests_out_total', 'counter'],
      ['drachtio_sip_responses_in_total', 'counter'], ['drachtio_sip_responses_out_total', 'counter'],
      ['drachtio_build_info', 'counter'], ['drachtio_time_started', 'gauge'], ['drachtio_stable_dialogs', 'gauge'],
      ['drachtio_proxy_cores', 'gauge'], ['drachtio_registered_endpoints', 'gauge'], ['drachtio_app_connections', 'gauge'],
      ['sipd_transactions', 'gauge'], ['sipd_dialogs', 'gauge'], ['sipd_connections', 'gauge'], ['sipd_parse_errors_total', 'counter'],
    ];
    for (const [name, type] of types) assert.ok(sample(text, `# TYPE ${name} ${type}`), `${name} is a ${type}`);
  });
  it('counts requests by method and responses by method and code', () => {
    const m = createSipdMetrics();
    m.requestsIn.inc({ method: 'INVITE' });
    m.requestsIn.inc({ method: 'INVITE' });
    m.requestsOut.inc({ method: 'BYE' });
    m.responsesOut.inc({ method: 'INVITE', code: 100 });
    m.responsesIn.inc({ method: 'INVITE', code: 486 });
    m.parseErrors.inc({ transport: 'udp' });
    const text = m.registry.render();
    assert.ok(sample(text, 'drachtio_sip_requests_in_total{method="INVITE"} 2'));
    assert.ok(sample(text, 'drachtio_sip_requests_out_total{method="BYE"} 1'));
    assert.ok(sample(text, 'drachtio_sip_responses_out_total{method="INVITE",code="100"} 1'));
    assert.ok(sample(text, 'drachtio_sip_responses_in_total{method="INVITE",code="486"} 1'));
    assert.ok(sample(text, 'sipd_parse_errors_total{transport="udp"} 1'));
  });
  it('publishes build info and start time', () => {
    const text = createSipdMetrics({ version: '9.9.9', startedAt: 1_700_000_000_500 }).registry.render();
    assert.ok(sample(text, 'drachtio_build_info{version="9.9.9"} 1'));
    assert.ok(sample(text, 'drachtio_time_started 1700000000'));
  });
  it('gauges show no samples until the engine binds their sources', () => {
    const text = createSipdMetrics().registry.render();
    assert.ok(!/^drachtio_stable_dialogs[{ ]/m.test(text));
    assert.ok(!/^sipd_transactions[{ ]/m.test(text));
  });
  it('reads bound sources at scrape time, with drachtio\'s inbound/outbound split for stable dialogs', () => {
    let uas = 2;
    const m = createSipdMetrics({ sources: { stableDialogs: () => ({ inbound: uas, outbound: 1 }) } });
    m.bind({
      proxyCores: () => 3, registeredEndpoints: () => 10, appConnections: () => 2,
      transactions: () => ({ client: 4, server: 5 }), dialogs: () => 6, connections: () => ({ tcp: 1, wss: 7 }),
    });
    let text = m.registry.render();
    for (const line of [
      'drachtio_stable_dialogs{type="inbound"} 2', 'drachtio_stable_dialogs{type="outbound"} 1', 'drachtio_proxy_cores 3',
      'drachtio_registered_endpoints 10', 'drachtio_app_connections 2', 'sipd_transactions{type="client"} 4',
      'sipd_transactions{type="server"} 5', 'sipd_dialogs 6', 'sipd_connections{transport="tcp"} 1', 'sipd_connections{transport="wss"} 7',
    ]) assert.ok(sample(text, line), line);
    uas = 9;
    text = m.registry.render();
    assert.ok(sample(text, 'drachtio_stable_dialogs{type="inbound"} 9'));
  });
});
