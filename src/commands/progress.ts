/** Download progress: a bar on a terminal, JSON Lines with --progress json, silence otherwise. */
import { systemClock } from '../../events/systemClock.js';
import type { CliContext } from './command.js';

export type Progress = ((artifact: string, bytes: number, total: number | null) => void) & { done(): void };

export function progressReporter(ctx: CliContext, json: boolean): Progress {
  const started = systemClock();
  let last = 0;
  const tty = process.stderr.isTTY && !json && !ctx.json;
  const report = ((artifact: string, bytes: number, total: number | null) => {
    const now = systemClock();
    if (now - last < (json ? 1000 : 200) && bytes !== total) return;
    last = now;
    const rate = bytes / Math.max(0.001, (now - started) / 1000);
    if (json) {
      ctx.out(JSON.stringify({ artifact, bytes, total, rate: Math.round(rate), eta_s: total ? Math.round((total - bytes) / Math.max(1, rate)) : null }));
    } else if (tty) {
      const pct = total ? Math.floor((bytes / total) * 100) : 0;
      const bar = total ? `[${'#'.repeat(Math.floor(pct / 4)).padEnd(25)}] ${String(pct).padStart(3)}%` : '';
      const eta = total ? ` ETA ${Math.round((total - bytes) / Math.max(1, rate))}s` : '';
      process.stderr.write(`\r${artifact.padEnd(15)} ${bar} ${(bytes / 1048576).toFixed(1)} MiB ${(rate / 1048576).toFixed(1)} MiB/s${eta}   `);
    }
  }) as Progress;
  report.done = () => { if (tty) process.stderr.write('\n'); };
  return report;
}
