// A small Prometheus registry: counters, gauges and histograms with labels, text exposition 0.0.4.
type Labels = Record<string, string>;

// Callers pass labels in a fixed order, so the key is built in that order without sorting.
function labelKey(labels: Labels): string {
  let s = "";
  for (const k in labels) {
    const v = String(labels[k]);
    const escaped = /[\\"\n]/.test(v)
      ? v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")
      : v;
    s += `${s ? "," : ""}${k}="${escaped}"`;
  }
  return s;
}

interface Metric {
  render(): string;
}

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  private readonly name: string;
  private readonly help: string;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) s += `${this.name}${k ? `{${k}}` : ""} ${v}\n`;
    return s;
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, number>();
  private readonly name: string;
  private readonly help: string;
  private readonly collect?: () => Array<[Labels, number]>;
  constructor(name: string, help: string, collect?: () => Array<[Labels, number]>) {
    this.name = name;
    this.help = help;
    this.collect = collect;
  }
  set(labels: Labels, v: number): void {
    this.values.set(labelKey(labels), v);
  }
  add(labels: Labels, by: number): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  render(): string {
    let s = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n`;
    if (this.collect) for (const [l, v] of this.collect()) this.values.set(labelKey(l), v);
    for (const [k, v] of this.values) s += `${this.name}${k ? `{${k}}` : ""} ${v}\n`;
    return s;
  }
}

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  private readonly name: string;
  private readonly help: string;
  private readonly buckets: number[];
  constructor(name: string, help: string, buckets: number[]) {
    this.name = name;
    this.help = help;
    this.buckets = buckets;
  }
  observe(labels: Labels, v: number): void {
    const k = labelKey(labels);
    let s = this.series.get(k);
    if (!s) this.series.set(k, (s = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) s.counts[i]++;
    s.sum += v;
    s.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    for (const [k, s] of this.series) {
      const sep = k ? "," : "";
      this.buckets.forEach((b, i) => (out += `${this.name}_bucket{${k}${sep}le="${b}"} ${s.counts[i]}\n`));
      out += `${this.name}_bucket{${k}${sep}le="+Inf"} ${s.count}\n`;
      out += `${this.name}_sum${k ? `{${k}}` : ""} ${s.sum}\n${this.name}_count${k ? `{${k}}` : ""} ${s.count}\n`;
    }
    return out;
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];
  register<T extends Metric>(m: T): T {
    this.metrics.push(m);
    return m;
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join("");
  }
}
