/** Seeded random event batches: plausible lifecycles interleaved with noise, for property tests. */
import type { NewEvent, Slot } from '../../events/types.js';

export function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s % n; };
}

export function randomBatches(seed: number, count: number): NewEvent[][] {
  const r = rng(seed);
  const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0', 'v2.0.0'];
  const slot = (): Slot => (r(2) === 0 ? 'A' : 'B');
  const checks = () => [{ name: 'api', ok: r(2) === 0, ms: r(900) }];
  let attempt = `att-${seed}-0`;
  const out: NewEvent[][] = [];
  for (let i = 0; i < count; i++) {
    const v = versions[r(versions.length)];
    const pick = r(16);
    const a = r(4) === 0 ? undefined : attempt;
    const one = (e: NewEvent): NewEvent[] => [e];
    switch (pick) {
      case 0: attempt = `att-${seed}-${i}`; out.push(one({ type: 'AttemptStarted', attempt, data: { fromVersion: versions[r(4)], fromSlot: slot(), toVersion: v, toSlot: slot(), source: 's' } })); break;
      case 1: out.push(one({ type: 'DownloadStarted', attempt: a, data: { artifact: 'vmlinuz', url: 'u' } })); break;
      case 2: out.push(one({ type: 'DownloadProgress', attempt: a, data: { artifact: 'vmlinuz', bytes: r(1e6) } })); break;
      case 3: out.push(one({ type: 'Staged', attempt: a, data: { slot: slot(), version: v, artifacts: [] } })); break;
      case 4: out.push([{ type: 'Intent', attempt: a, data: { action: 'activate', slot: slot() } }, { type: 'Activated', attempt: a, data: { slot: slot(), previousSlot: slot() } }]); break;
      case 5: out.push(one({ type: 'HealthcheckStarted', attempt: a, data: {} })); break;
      case 6: out.push(one({ type: 'HealthcheckPassed', attempt: a, data: { checks: checks(), markedGood: r(2) === 0 } })); break;
      case 7: out.push(one({ type: 'HealthcheckFailed', attempt: a, data: { checks: checks(), consecutiveFailures: 1 + r(3) } })); break;
      case 8: out.push(one({ type: 'RolledBack', attempt: a, data: { by: (['manual', 'bootloader', 'auto'] as const)[r(3)], reason: 'why', fromSlot: slot(), toSlot: slot() } })); break;
      case 9: out.push(one({ type: 'AttemptFailed', attempt: a, data: { step: 'download', error: `e${r(9)}`, ...(r(2) ? { gate: 'channel' } : {}) } })); break;
      case 10: out.push(one({ type: 'BootObserved', data: { slot: slot(), bootCounter: r(4), bootSuccess: r(2), versions: { [slot()]: v }, ...(r(3) === 0 ? { inferred: true } : {}) } })); break;
      case 11: out.push(one({ type: 'UpdateChecked', data: { current: v, available: r(2) === 0, ...(r(2) ? { latest: versions[r(4)] } : { error: 'down' }) } })); break;
      case 12: out.push(one({ type: 'LogRepaired', data: { segment: 's', droppedBytes: r(100), reason: 'r', quarantined: 'q' } })); break;
      case 13: out.push(one({ type: 'Migrated', data: { activeSlot: null, state: { phase: ['idle', 'activated', 'failed', 'staged'][r(4)], to_version: v, attempt_count: r(5) } } })); break;
      case 14: out.push(one({ type: 'MetadataFetched', attempt: a, data: { version: v, artifacts: [], signed: r(2) === 0 } })); break;
      default: out.push(one({ type: 'OperatorNote', data: { text: `n${i}` } }));
    }
  }
  return out;
}
