/** Latency percentiles from wrk (a C load generator, so the client does not compete like a Node loop would). */
import { spawnSync } from 'node:child_process';

export const haveWrk = () => !spawnSync('wrk', ['--version']).error;

const toMs = (v: string, unit: string) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit];

export function wrkLatency(url: string, connections: number, seconds: number): { p50: number; p99: number; rps: number } {
  const r = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], { encoding: 'utf8' });
  const pct = (p: number) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)$`, 'm').exec(r.stdout);
    if (!m) throw new Error(`wrk gave no ${p}th percentile: ${r.stdout}${r.stderr}`);
    return toMs(m[1], m[2]);
  };
  if (/Non-2xx/.test(r.stdout)) throw new Error(`wrk saw errors: ${r.stdout}`);
  return { p50: pct(50), p99: pct(99), rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1] ?? NaN) };
}
