/**
 * `npm run bench`: every benchmark, one table (or `--json`: one array of rows).
 * `-- --only apply,log` runs some groups (startup, log, projections, serve, apply, oci, years).
 * BENCH_OCI_RUNS=1 prints the oci group's per-run times (ms) on stderr.
 * The machine (CPU, memory, Node, kernel, load average at start) is printed above the table
 * (with --json: {"machine", "rows"}).
 */
import { rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendBench, generateLog, replayBench } from './logBench.js';
import { projectionsBench } from './projectionsBench.js';
import { applyBench } from './applyBench.js';
import { ociBench } from './ociBench.js';
import { serveBench } from './serveBench.js';
import { yearsBench } from './yearsBench.js';
import { startupBench } from './startupBench.js';
import { describeMachine, machine } from './machine.js';
import { table, type BenchRow } from './report.js';

const json = process.argv.includes('--json');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? new Set(process.argv[onlyAt + 1].split(',')) : null;
const wanted = (group: string) => !only || only.has(group);
const host = machine();
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'ksu-bench-'));
try {
  const rows: BenchRow[] = [];
  if (wanted('startup')) rows.push(...startupBench(join(dir, 'startup')));
  if (wanted('log')) rows.push(...(await appendBench(dir)));
  const total = 1_000_000;
  if (wanted('log') || wanted('projections') || wanted('serve')) {
    generateLog(join(dir, 'replay'), total);
    if (wanted('log')) rows.push(...(await replayBench(join(dir, 'replay'), total)));
    if (wanted('projections')) rows.push(...projectionsBench(join(dir, 'replay'), join(dir, 'empty'), total));
    if (wanted('serve')) rows.push(...(await serveBench(join(dir, 'replay'), join(dir, 'empty-serve'), total)));
    rmSync(join(dir, 'replay'), { recursive: true, force: true });
  }
  if (wanted('apply')) rows.push(...(await applyBench(join(dir, 'apply'))));
  if (wanted('oci')) rows.push(...(await ociBench(join(dir, 'oci'))));
  if (wanted('years')) rows.push(...yearsBench(join(dir, 'years')));
  process.stdout.write(json ? `${JSON.stringify({ machine: host, rows })}\n` : `${describeMachine(host)}\n\n${table(rows)}\n`);
  process.exitCode = 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
