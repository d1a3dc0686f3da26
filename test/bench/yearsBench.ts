/**
 * Years of history (group `years`): the readers and `rebuild` as whole processes on a node's
 * ten-year log, each against the same command on an empty log in the same run, and what ten
 * years take on disk. Informational: the question is how the commands age, not a target.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../helpers/cli.js';
import { generateYears, writeNodeRoot } from '../helpers/yearsLog.js';
import { row, type BenchRow } from './report.js';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timeCommand(root: string, dataDir: string, args: string[]): number {
  const t = now();
  const r = spawnSync(process.execPath, [CLI, '--root', root, '--data-dir', dataDir, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = now() - t;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

const size = (path: string) => statSync(path).size;

export function yearsBench(dir: string, runs = 11): BenchRow[] {
  const node = { root: join(dir, 'node/root'), dataDir: join(dir, 'node/data') };
  const y = generateYears(node.dataDir);
  writeNodeRoot(node.root, y);
  // The empty log's node has no grubenv or kernel command line, so its writer observes no boot
  // and the log stays empty (status warns on stderr that grubenv is missing; not timed apart).
  const empty = { root: join(dir, 'empty/root'), dataDir: join(dir, 'empty/data') };
  mkdirSync(empty.root, { recursive: true });
  // A node always has the checkpoint its last writer command left.
  timeCommand(node.root, node.dataDir, ['rebuild']);

  const label = `10-year log (${y.events.toLocaleString('en-US')} events)`;
  const rows: BenchRow[] = [];
  const commands: Array<[string, string[], string]> = [
    ['status --json', ['status', '--json'], 'checkpoint + tail'],
    ['history --json --limit 20', ['history', '--json', '--limit', '20'], 'checkpoint + tail'],
    ['verify', ['verify'], 'reads every record'],
    ['rebuild', ['rebuild'], 'folds every event'],
  ];
  for (const [name, args, how] of commands) {
    const big: number[] = [];
    const base: number[] = [];
    timeCommand(node.root, node.dataDir, args);
    timeCommand(empty.root, empty.dataDir, args);
    for (let i = 0; i < runs; i++) {
      big.push(timeCommand(node.root, node.dataDir, args));
      base.push(timeCommand(empty.root, empty.dataDir, args));
    }
    rows.push(row(`${name} process, ${label}, ${how}, vs empty log, median of ${runs}`, median(big), 'ms', median(base), 'info'));
  }

  const events = join(node.dataDir, 'events');
  const segments = readdirSync(events).filter((f) => f.endsWith('.seg'));
  const logBytes = segments.reduce((n, f) => n + size(join(events, f)), 0);
  const years = (y.lastAt - y.firstAt) / (365.25 * 24 * 3600 * 1000);
  const beside = size(join(node.dataDir, 'checkpoint')) + size(join(node.dataDir, 'state.json'));
  rows.push(
    row(`10-year log on disk: ${logBytes.toLocaleString('en-US')} bytes in ${segments.length} segment(s), per event`, logBytes / y.events, 'bytes', null, 'info'),
    row(`10-year log: growth per year (${y.attempts.length} attempts, ${y.counts.checks.toLocaleString('en-US')} checks); checkpoint + state.json ${beside.toLocaleString('en-US')} bytes`, logBytes / years / 1024, 'KiB/year', null, 'info'),
  );
  return rows;
}
