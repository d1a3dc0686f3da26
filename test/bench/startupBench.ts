/**
 * Start-up (group `startup`): the readers and `note` as whole processes, each against `node -e 0`
 * measured in the same run, on a new node (a sandbox with a few events) and on a node's ten-year
 * log (with the checkpoint its last writer left). Runs are interleaved — one of each process in
 * turn — so a busy machine slows every side alike; the median of each side is reported.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI } from '../helpers/cli.js';
import { makeSandbox } from '../helpers/sandbox.js';
import { generateYears, writeNodeRoot } from '../helpers/yearsLog.js';
import { row, type BenchRow } from './report.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeProcess(args: string[]): number {
  const t = now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function startupBench(dir: string, runs = 21): BenchRow[] {
  const sb = makeSandbox();
  const small = (args: string[]) => [CLI, '--root', sb.root, ...args];
  for (const text of ['first', 'second', 'third']) timeProcess(small(['note', text]));
  const root = join(dir, 'root');
  const dataDir = join(dir, 'data');
  const y = generateYears(dataDir);
  writeNodeRoot(root, y);
  const years = (args: string[]) => [CLI, '--root', root, '--data-dir', dataDir, ...args];
  timeProcess(years(['rebuild'])); // a node always has the checkpoint its last writer command left
  const nodes: Array<[string, (args: string[]) => string[]]> = [
    ['new node (4 events)', small], [`10-year log (${y.events.toLocaleString('en-US')} events) + checkpoint`, years],
  ];
  const commands: Array<[string, string[], string]> = [
    ['status --json', ['status', '--json'], 'ratio <= 1.5'],
    ['history --json --limit 20', ['history', '--json', '--limit', '20'], 'ratio <= 1.5'],
    ['note TEXT', ['note', 'replaced the SD card'], 'ratio <= 2'],
  ];
  const cases = nodes.flatMap(([where, at]) => commands.map(([name, args, target]) => ({ label: `${name} process, ${where}`, argv: at(args), target, ms: [] as number[] })));
  const base: number[] = [];
  // One untimed round: the page cache, and the first writer's reconciliation of each node.
  timeProcess(['-e', '0']);
  for (const c of cases) timeProcess(c.argv);
  for (let i = 0; i < runs; i++) {
    base.push(timeProcess(['-e', '0']));
    for (const c of cases) c.ms.push(timeProcess(c.argv));
  }
  return cases.map((c) => row(`${c.label}, vs node -e 0, median of ${runs} interleaved`, median(c.ms), 'ms', median(base), c.target));
}
