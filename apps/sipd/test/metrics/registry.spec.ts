/// <reference types="mocha" />
// The Prometheus text format 0.0.4 as the registry writes it: HELP/TYPE lines, label escaping,
// special values, counters with labels and callback gauges.
import assert from 'node:assert/strict';
import { MetricsRegistry, escapeHelp, escapeLabelValue } from '../../src/metrics';

describe('Prometheus registry', () => {
  describe('text format', () => {
    it('writes HELP and TYPE before the samples, one metric after the other, ending in a newline', () => {
      const r = new MetricsRegistry();
      r.counter('a_total', 'first').inc();
      r.gauge('b', 'second', [], () => 7);
      assert.equal(r.render(), '# HELP a_total first\n# TYPE a_total counter\na_total 1\n# HELP b second\n# TYPE b gauge\nb 7\n');
    });
    it('an empty registry renders as the empty string', () => {
      assert.equal(new MetricsRegistry().render(), '');
    });
    it('escapes backslash, double quote and line feed in label values', () => {
      assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
      const r = new MetricsRegistry();
      r.counter('x_total', 'h', ['v']).inc({ v: 'say "hi"\\\n' });
      assert.match(r.render(), /^x_total\{v="say \\"hi\\"\\\\\\n"\} 1$/m);
    });
    it('escapes backslash and line feed (not quotes) in HELP', () => {
      assert.equal(escapeHelp('a\\b\n"c"'), 'a\\\\b\\n"c"');
    });
    it('writes NaN, +Inf and -Inf as Prometheus spells them', () => {
      const r = new MetricsRegistry();
      r.gauge('g', 'h', ['k'], () => [
        { labels: { k: 'nan' }, value: NaN }, { labels: { k: 'pinf' }, value: Infinity }, { labels: { k: 'ninf' }, value: -Infinity },
      ]);
      const text = r.render();
      assert.match(text, /^g\{k="nan"\} NaN$/m);
      assert.match(text, /^g\{k="pinf"\} \+Inf$/m);
      assert.match(text, /^g\{k="ninf"\} -Inf$/m);
    });
    it('refuses invalid metric and label names, reserved __ labels, duplicates', () => {
      const r = new MetricsRegistry();
      assert.throws(() => r.counter('9bad', 'h'), /invalid metric name/);
      assert.throws(() => r.counter('ok_total', 'h', ['bad-label']), /invalid label name/);
      assert.throws(() => r.counter('ok2_total', 'h', ['__name']), /invalid label name/);
      assert.throws(() => r.counter('ok3_total', 'h', ['a', 'a']), /duplicate label/);
      r.counter('dup_total', 'h');
      assert.throws(() => r.gauge('dup_total', 'h', [], () => 1), /registered twice/);
    });
  });

  describe('counter', () => {
    it('keeps one series per label combination, labels in declared order', () => {
      const r = new MetricsRegistry();
      const c = r.counter('resp_total', 'h', ['method', 'code']);
      c.inc({ code: 200, method: 'INVITE' });
      c.inc({ method: 'INVITE', code: '200' });
      c.inc({ method: 'BYE', code: 481 });
      assert.equal(c.get({ method: 'INVITE', code: 200 }), 2);
      const lines = r.render().split('\n').filter((l) => l.startsWith('resp_total'));
      assert.deepEqual(lines, ['resp_total{method="INVITE",code="200"} 2', 'resp_total{method="BYE",code="481"} 1']);
    });
    it('inc(labels, by) adds by; a negative increment is refused (counters only go up)', () => {
      const r = new MetricsRegistry();
      const c = r.counter('n_total', 'h', ['k']);
      c.inc({ k: 'a' }, 5);
      c.inc({ k: 'a' }, 0.5);
      assert.equal(c.get({ k: 'a' }), 5.5);
      assert.throws(() => c.inc({ k: 'a' }, -1), RangeError);
    });
    it('a missing label is an error, not a series with "undefined"', () => {
      const c = new MetricsRegistry().counter('m_total', 'h', ['method']);
      assert.throws(() => c.inc({} as { method: string }), /label 'method' missing/);
    });
    it('a counter never incremented shows HELP and TYPE only', () => {
      const r = new MetricsRegistry();
      r.counter('none_total', 'h', ['k']);
      assert.equal(r.render(), '# HELP none_total h\n# TYPE none_total counter\n');
    });
  });

  describe('callback gauge', () => {
    it('reads its value at every scrape', () => {
      let live = 1;
      const r = new MetricsRegistry();
      r.gauge('live', 'h', [], () => live);
      assert.match(r.render(), /^live 1$/m);
      live = 4;
      assert.match(r.render(), /^live 4$/m);
    });
    it('undefined means no sample', () => {
      const r = new MetricsRegistry();
      r.gauge('unbound', 'h', [], () => undefined);
      assert.equal(r.render(), '# HELP unbound h\n# TYPE unbound gauge\n');
    });
    it('a throwing callback drops only its own samples and is reported', () => {
      const r = new MetricsRegistry();
      const errors: string[] = [];
      r.onCollectError = (name) => errors.push(name);
      r.gauge('broken', 'h', [], () => {
        throw new Error('boom');
      });
      r.gauge('fine', 'h', [], () => 3);
      const text = r.render();
      assert.match(text, /^fine 3$/m);
      assert.ok(!/^broken /m.test(text));
      assert.deepEqual(errors, ['broken']);
    });
  });
});
