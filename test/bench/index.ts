/**
 * `npm run bench`: every benchmark, one table (or `--json`: one array of rows).
 * `-- --only apply,log` runs some groups (log, projections, serve, apply).
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendBench, generateLog, replayBench } from './logBench.js';
import { projectionsBench } from './projectionsBench.js';
import { applyBench } from './applyBench.js';
import { serveBench } from './serveBench.js';
import { yearsBench } from './yearsBench.js';
import { table, type BenchRow } from './report.js';

const json = process.argv.includes('--json');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;
const wanted = (group: string) => !only || only.has(group);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'ksu-bench-'));
try {
  const rows: BenchRow[] = [];
  if (wanted('log')) rows.push(...(await appendBench(dir)));
  const total = 1_000_000;
  if (wanted('log') || wanted('projections') || wanted('serve')) {
    generateLog(join(dir, 'replay'), total);
    if (wanted('log')) rows.push(...replayBench(join(dir, 'replay'), total));
    if (wanted('projections')) rows.push(...projectionsBench(join(dir, 'replay'), join(dir, 'empty'), total));
    if (wanted('serve')) rows.push(...(await serveBench(join(dir, 'replay'), join(dir, 'empty-serve'), total)));
    rmSync(join(dir, 'replay'), { recursive: true, force: true });
  }
  if (wanted('apply')) rows.push(...(await applyBench(join(dir, 'apply'))));
  if (wanted('years')) rows.push(...yearsBench(join(dir, 'years')));
  process.stdout.write(json ? `${JSON.stringify(rows)}\n` : `${table(rows)}\n`);
  process.exitCode = 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
