/** One row of the benchmark table: a figure, the baseline measured in the same run, and the target. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  /** value / baseline (lower is better unless the target says otherwise). */
  ratio: number | null;
  /** e.g. "ratio <= 1.5" or "value >= 1000000". */
  target: string;
  pass: boolean;
}

export function row(name: string, value: number, unit: string, baseline: number | null, target: string): BenchRow {
  const ratio = baseline ? value / baseline : null;
  const m = /^(ratio|value) (<=|>=) ([\d.e+]+)$/.exec(target);
  let pass = true;
  if (m) {
    const x = m[1] === 'ratio' ? ratio ?? NaN : value;
    pass = m[2] === '<=' ? x <= Number(m[3]) : x >= Number(m[3]);
  }
  return { name, value, unit, baseline, ratio, target, pass };
}

const fmt = (n: number | null) => (n === null || Number.isNaN(n) ? '-' : n >= 1000 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));

export function table(rows: BenchRow[]): string {
  const head = ['figure', 'value', 'unit', 'baseline', 'ratio', 'target', 'pass'];
  const body = rows.map((r) => [r.name, fmt(r.value), r.unit, fmt(r.baseline), r.ratio === null ? '-' : r.ratio.toFixed(2), r.target, r.pass ? 'pass' : 'FAIL']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
