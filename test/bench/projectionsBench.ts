/**
 * Projection benchmarks: `status --json` as a whole process on a 1,000,000-event log (served by
 * the checkpoint) against the same command on an empty log, and the rebuild throughput.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadProjections, saveProjections } from '../../src/persist/store.js';
import { row, type BenchRow } from './report.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const now = () => Number(process.hrtime.bigint()) / 1e6;

function timeCommand(args: string[]): number {
  const t = now();
  const r = spawnSync(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return now() - t;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `bigDataDir` holds a generated log of `total` events. */
export function projectionsBench(bigDataDir: string, emptyDataDir: string, total: number): BenchRow[] {
  rmSync(join(bigDataDir, 'checkpoint'), { force: true });
  const t = now();
  const loaded = loadProjections(bigDataDir, { ignoreCheckpoint: true });
  const rebuildMs = now() - t;
  if (loaded.replayed !== total) throw new Error(`rebuilt ${loaded.replayed} events, expected ${total}`);
  saveProjections(bigDataDir, join(bigDataDir, 'state.json'), loaded, 0);
  mkdirSync(emptyDataDir, { recursive: true });
  const big: number[] = [];
  const empty: number[] = [];
  timeCommand(['--data-dir', bigDataDir, 'status', '--json']);
  for (let i = 0; i < 11; i++) {
    big.push(timeCommand(['--data-dir', bigDataDir, 'status', '--json']));
    empty.push(timeCommand(['--data-dir', emptyDataDir, 'status', '--json']));
  }
  const pair = (args: string[], runs: number) => {
    const b: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < runs; i++) {
      b.push(timeCommand(['--data-dir', bigDataDir, ...args]));
      e.push(timeCommand(['--data-dir', emptyDataDir, ...args]));
    }
    return { big: median(b), empty: median(e) };
  };
  const history = pair(['history', '--json', '--limit', '20'], 11);
  const verify = pair(['verify'], 3);
  return [
    row(`status --json process, ${total.toLocaleString('en-US')}-event log (checkpoint) vs empty log, median of 11`, median(big), 'ms', median(empty), 'ratio <= 1.5'),
    row(`history --json --limit 20 process, ${total.toLocaleString('en-US')}-event log (checkpoint) vs empty log, median of 11`, history.big, 'ms', history.empty, 'info'),
    row(`verify process, ${total.toLocaleString('en-US')}-event log (every record, CRC and hash chain) vs empty log, median of 3`, verify.big, 'ms', verify.empty, 'info'),
    row(`rebuild: fold ${total.toLocaleString('en-US')} events from seq 1 (read + decode + all projections)`, (total / rebuildMs) * 1000, 'events/s', null, 'info'),
  ];
}
