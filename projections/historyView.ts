/** `history --json`: attempts newest first, with the keys of DESIGN.md §4 (a script contract). */
import { isoTime } from './isoTime.js';
import type { AttemptRecord, History } from './history.js';
import { lossJson, type LossJson } from './loss.js';
import type { LossRecord } from './node.js';

export interface AttemptJson {
  id: string;
  from_version: string | null;
  to_version: string | null;
  from_slot: string | null;
  to_slot: string | null;
  started_at: string | null;
  ended_at: string | null;
  outcome: string;
  failed_step: string | null;
  error: string | null;
  rollback: { by: string; reason: string } | null;
  /** `boot_id` is null for an inferred boot: it never reached the agent, so its id was never seen. */
  boots: Array<{ at: string; boot_id: string | null; slot: string | null; boot_counter: number | null; boot_success: number | null; inferred?: boolean }>;
  healthchecks: Array<{ at: string; ok: boolean; checks: Array<{ name: string; ok: boolean; ms: number; detail?: string }>; consecutive_failures?: number; marked_good?: boolean; interrupted?: boolean; error?: string }>;
  phases: Record<string, number>;
  migrated?: boolean;
  adopted?: boolean;
}

const time = (ms: number | null) => (ms === null ? null : isoTime(ms));

export function attemptJson(a: AttemptRecord): AttemptJson {
  const out: AttemptJson = {
    id: a.id, from_version: a.fromVersion, to_version: a.toVersion, from_slot: a.fromSlot, to_slot: a.toSlot,
    started_at: time(a.startedAt), ended_at: time(a.endedAt), outcome: a.outcome, failed_step: a.failedStep, error: a.error,
    rollback: a.rollback,
    boots: a.boots.map((b) => ({ at: isoTime(b.at), boot_id: b.boot ?? null, slot: b.slot, boot_counter: b.bootCounter, boot_success: b.bootSuccess, ...(b.inferred ? { inferred: true } : {}) })),
    healthchecks: a.healthchecks.map((h) => ({
      at: isoTime(h.at), ok: h.ok, checks: h.checks,
      ...(h.consecutiveFailures !== undefined ? { consecutive_failures: h.consecutiveFailures } : {}),
      ...(h.markedGood !== undefined ? { marked_good: h.markedGood } : {}),
      ...(h.interrupted ? { interrupted: true } : {}),
      ...(h.error ? { error: h.error } : {}),
    })),
    phases: { ...a.phases },
  };
  if (a.migrated) out.migrated = true;
  if (a.adopted) out.adopted = true;
  return out;
}

/** Newest first; `limit` keeps the newest N. */
export function historyJson(h: History, limit = Infinity): { attempts: AttemptJson[] } {
  const newest = h.attempts.slice().reverse().slice(0, Math.max(0, limit));
  return { attempts: newest.map(attemptJson) };
}

/** `history --json` and serve's /history: the attempts, and the log ranges lost around them. */
export function historyDocument(h: History, losses: LossRecord[], limit = Infinity): { attempts: AttemptJson[]; log_losses: LossJson[] } {
  return { ...historyJson(h, limit), log_losses: losses.map(lossJson) };
}
