/**
 * What an attempt's process stopping means for the log, by the phase it stopped in (DESIGN.md
 * §6 rule 4): checking or downloading → AttemptFailed {step: "interrupted"}; verifying → back to
 * activated (HealthcheckFailed {interrupted}, nothing counted); staged, activated and every
 * other phase rest: nothing is recorded. `signal` names the SIGINT/SIGTERM a writer stopped
 * itself on; null means the process died and reconciliation found out. Pure.
 */
import type { NewEvent } from '../../events/types.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import type { StopSignal } from '../errors.js';

export function interruption(l: Lifecycle, signal: StopSignal | null): NewEvent[] {
  const by = signal ? { signal } : {};
  const attempt = l.attemptId ? { attempt: l.attemptId } : {};
  if (l.phase === 'verifying') {
    return [{ type: 'HealthcheckFailed', ...attempt, data: { checks: [], consecutiveFailures: l.healthCheckFailures, interrupted: true, ...by } }];
  }
  if (l.phase !== 'checking' && l.phase !== 'downloading') return [];
  const error = signal ? `stopped by ${signal} while ${l.phase}` : `the process running this attempt stopped while ${l.phase}`;
  return [{ type: 'AttemptFailed', ...attempt, data: { step: 'interrupted', error, ...by } }];
}

/** The operator's line for a writer that stopped on `signal` in phase `l` (before the events above). */
export function interruptionSaid(l: Lifecycle, signal: StopSignal): string {
  const stopped = `stopped by ${signal}`;
  switch (l.phase) {
    case 'downloading':
      return `${stopped} while downloading: attempt ${l.attemptId} is recorded as failed (step "interrupted"); the next apply resumes the download from what is on disk`;
    case 'checking':
      return `${stopped} before the download began: attempt ${l.attemptId} is recorded as failed (step "interrupted"); the next apply starts again`;
    case 'verifying':
      return `${stopped} during the health check: nothing was counted; slot ${l.trial?.slot ?? '?'} stays on trial (activated) and the next healthcheck decides`;
    default:
      return `${stopped} after the step in progress; nothing was cut short (phase ${l.phase})`;
  }
}
