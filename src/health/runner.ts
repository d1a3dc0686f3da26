/**
 * Runs a set of checks until all pass or the overall deadline comes: each round re-runs what
 * failed, a few seconds apart. Each check's last result is reported with its time.
 */
import type { CheckResult } from '../../events/types.js';
import { CHECKS, type CheckEnv } from './checks.js';

export interface RunOptions { deadlineMs: number; retryDelayMs?: number; now: () => number }

export async function runChecks(names: string[], env: CheckEnv, opts: RunOptions): Promise<CheckResult[]> {
  const start = opts.now();
  const results = new Map<string, CheckResult>();
  let pending = names;
  for (;;) {
    for (const name of pending) {
      const t = opts.now();
      const left = Math.max(100, start + opts.deadlineMs - t);
      const r = await CHECKS[name]({ ...env, timeoutMs: Math.min(env.timeoutMs, left) });
      results.set(name, { name, ok: r.ok, ms: opts.now() - t, ...(r.ok ? {} : { detail: r.detail }) });
    }
    pending = names.filter((n) => !results.get(n)!.ok);
    const delay = opts.retryDelayMs ?? 2000;
    if (pending.length === 0 || opts.now() + delay >= start + opts.deadlineMs) break;
    await new Promise((r) => setTimeout(r, delay));
  }
  return names.map((n) => results.get(n)!);
}
