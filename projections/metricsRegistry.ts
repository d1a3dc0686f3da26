/**
 * The one prom-client binding: metric families into a Registry of our own (never the global one,
 * and no default process metrics, which promtool rejects).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricFamily } from './metrics.js';

export function registryOf(families: MetricFamily[]): Registry {
  const registry = new Registry();
  for (const f of families) {
    const labelNames = [...new Set(f.samples.flatMap((s) => Object.keys(s.labels ?? {})))];
    if (f.type === 'histogram') {
      const h = new Histogram({ name: f.name, help: f.help, buckets: f.buckets, registers: [registry] });
      for (const v of f.observations ?? []) h.observe(v);
    } else if (f.type === 'counter') {
      const c = new Counter({ name: f.name, help: f.help, labelNames, registers: [registry] });
      for (const s of f.samples) c.inc(s.labels ?? {}, s.value);
    } else {
      const g = new Gauge({ name: f.name, help: f.help, labelNames, registers: [registry] });
      for (const s of f.samples) g.set(s.labels ?? {}, s.value);
    }
  }
  return registry;
}
