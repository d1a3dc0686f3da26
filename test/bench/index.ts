/** `npm run bench`: every benchmark, one table (or `--json`: one array of rows). */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendBench, generateLog, replayBench } from './logBench.js';
import { projectionsBench } from './projectionsBench.js';
import { applyBench } from './applyBench.js';
import { table, type BenchRow } from './report.js';

const json = process.argv.includes('--json');
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'ksu-bench-'));
try {
  const rows: BenchRow[] = [];
  rows.push(...(await appendBench(dir)));
  const total = 1_000_000;
  generateLog(join(dir, 'replay'), total);
  rows.push(...replayBench(join(dir, 'replay'), total));
  rows.push(...projectionsBench(join(dir, 'replay'), join(dir, 'empty'), total));
  rmSync(join(dir, 'replay'), { recursive: true, force: true });
  rows.push(...(await applyBench(join(dir, 'apply'))));
  process.stdout.write(json ? `${JSON.stringify(rows)}\n` : `${table(rows)}\n`);
  process.exitCode = 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
