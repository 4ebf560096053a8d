// A small Prometheus registry: labelled counters incremented on the hot path, and gauges whose
// values are read from callbacks at scrape time (so live counts never drift from the tables
// they describe).
import { escapeHelp, formatLabels, formatValue, isValidLabelName, isValidMetricName } from './text-format';

/** Label values by label name; numbers (status codes) are written in decimal. */
export type Labels<L extends string> = Readonly<Record<L, string | number>>;

/** One labelled sample a gauge callback returns. */
export interface GaugeSample<L extends string> {
  labels: Labels<L>;
  value: number;
}

interface Series {
  values: string[];
  count: number;
}

// Joins label values into a map key; \u0001 cannot occur in SIP methods or codes.
const SEP = '\u0001';

export class Counter<L extends string = never> {
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
  ) {}

  /** Adds `by` (default 1, must be ≥ 0: counters only go up). */
  inc(labels?: Labels<L>, by = 1): void {
    if (!(by >= 0)) throw new RangeError(`${this.name}: counter increment must be >= 0, got ${by}`);
    const names = this.labelNames;
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const v = labels === undefined ? undefined : labels[names[i]];
      if (v === undefined) throw new TypeError(`${this.name}: label '${names[i]}' missing`);
      key = i === 0 ? `${v}` : key + SEP + v;
    }
    const s = this.series.get(key);
    if (s !== undefined) {
      s.count += by;
      return;
    }
    const values = names.map((n) => `${labels?.[n]}`);
    this.series.set(key, { values, count: by });
  }

  /** Current value of one series (0 if never incremented); for tests and diagnostics. */
  get(labels?: Labels<L>): number {
    const key = this.labelNames.map((n) => `${labels?.[n]}`).join(SEP);
    return this.series.get(key)?.count ?? 0;
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} counter`);
    for (const s of this.series.values()) {
      out.push(`${this.name}${formatLabels(this.labelNames, s.values)} ${formatValue(s.count)}`);
    }
  }
}

export class CallbackGauge<L extends string = never> {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly L[],
    /** A number for an unlabelled gauge, samples for a labelled one, undefined for "no data". */
    private readonly read: () => number | readonly GaugeSample<L>[] | undefined,
  ) {}

  /** A callback that throws leaves this gauge without samples; the scrape still succeeds. */
  render(out: string[], onError: (name: string, err: unknown) => void): void {
    out.push(`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`);
    let value: number | readonly GaugeSample<L>[] | undefined;
    try {
      value = this.read();
    } catch (err) {
      onError(this.name, err);
      return;
    }
    if (value === undefined) return;
    if (typeof value === 'number') {
      if (this.labelNames.length === 0) out.push(`${this.name} ${formatValue(value)}`);
      return;
    }
    for (const sample of value) {
      const values = this.labelNames.map((n) => `${sample.labels[n]}`);
      out.push(`${this.name}${formatLabels(this.labelNames, values)} ${formatValue(sample.value)}`);
    }
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Counter<string> | CallbackGauge<string>>();

  /** Called when a gauge callback throws during a scrape. */
  onCollectError: (name: string, err: unknown) => void = () => undefined;

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    this.check(name, labelNames);
    const c = new Counter<L>(name, help, labelNames);
    this.metrics.set(name, c as unknown as Counter<string>);
    return c;
  }

  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => number | readonly GaugeSample<L>[] | undefined,
  ): CallbackGauge<L> {
    this.check(name, labelNames);
    const g = new CallbackGauge<L>(name, help, labelNames, read);
    this.metrics.set(name, g as unknown as CallbackGauge<string>);
    return g;
  }

  /** The whole registry in text format 0.0.4, metrics in registration order. */
  render(): string {
    const out: string[] = [];
    for (const m of this.metrics.values()) {
      if (m instanceof Counter) m.render(out);
      else m.render(out, this.onCollectError);
    }
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }

  private check(name: string, labelNames: readonly string[]): void {
    if (!isValidMetricName(name)) throw new Error(`invalid metric name '${name}'`);
    if (this.metrics.has(name)) throw new Error(`metric '${name}' registered twice`);
    for (const l of labelNames) if (!isValidLabelName(l)) throw new Error(`${name}: invalid label name '${l}'`);
    if (new Set(labelNames).size !== labelNames.length) throw new Error(`${name}: duplicate label name`);
  }
}
