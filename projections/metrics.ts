/**
 * The numbers behind /metrics, from the projections alone (pure; the prom-client binding is
 * metricsRegistry.ts). Counters come from the log, so they survive restarts and rebuilds.
 */
import type { LogFacts } from './statusView.js';
import type { Projections } from './index.js';
import { PHASES } from './lifecycle.js';

export interface Sample { labels?: Record<string, string>; value: number }
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
  /** histogram only: observed values and bucket bounds */
  observations?: number[];
  buckets?: number[];
}

const DURATION_BUCKETS = [60, 300, 900, 1800, 3600, 7200, 21600, 86400, 259200];

export function metricFamilies(p: Projections, log: LogFacts): MetricFamily[] {
  const { lifecycle: l, history: h, node: n } = p;
  const ended = h.attempts.filter((a) => a.outcome !== 'open');
  const count = (pred: (a: (typeof ended)[number]) => boolean) => ended.filter(pred).length;
  const families: MetricFamily[] = [
    { name: 'kubesolo_update_phase', type: 'gauge', help: 'Current update lifecycle phase (1 for the current phase, 0 for the others).',
      samples: PHASES.map((phase) => ({ labels: { phase }, value: phase === l.phase ? 1 : 0 })) },
    { name: 'kubesolo_update_attempts_total', type: 'counter', help: 'Attempts at the current target version (upstream semantics: restarts at 1 on a new target).',
      samples: [{ value: l.attemptCount }] },
    { name: 'kubesolo_update_last_attempt_timestamp_seconds', type: 'gauge', help: 'Start time of the current or last attempt, Unix seconds (0: none).',
      samples: [{ value: (l.startedAt ?? 0) / 1000 }] },
    { name: 'kubesolo_update_health_check_failures', type: 'gauge', help: 'Consecutive failed health checks of the attempt on trial.',
      samples: [{ value: l.healthCheckFailures }] },
    { name: 'kubesolo_update_attempts_started_total', type: 'counter', help: 'Update attempts started over the whole history.',
      samples: [{ value: n.attemptsStarted }] },
    { name: 'kubesolo_update_attempt_outcomes_total', type: 'counter', help: 'Finished attempts by outcome.',
      samples: (['success', 'failed', 'rolled_back'] as const).map((outcome) => ({ labels: { outcome }, value: count((a) => a.outcome === outcome) })) },
    { name: 'kubesolo_update_rollbacks_total', type: 'counter', help: 'Rollbacks by cause (manual, bootloader, auto).',
      samples: (['manual', 'bootloader', 'auto'] as const).map((cause) => ({ labels: { cause }, value: count((a) => a.rollback?.by === cause) })) },
    { name: 'kubesolo_update_healthcheck_failures_total', type: 'counter', help: 'Failed health checks over the whole history.',
      samples: [{ value: n.healthcheckFailures }] },
    { name: 'kubesolo_update_attempt_duration_seconds', type: 'histogram', help: 'Duration of finished attempts, from start to outcome.',
      samples: [], buckets: DURATION_BUCKETS,
      observations: ended.filter((a) => a.startedAt !== null && a.endedAt !== null).map((a) => (a.endedAt! - a.startedAt!) / 1000) },
    { name: 'kubesolo_update_events_total', type: 'counter', help: 'Events in the log by type.',
      samples: Object.keys(n.eventsByType).sort().map((type) => ({ labels: { type }, value: n.eventsByType[type] })) },
    { name: 'kubesolo_update_slot_info', type: 'gauge', help: 'Version recorded in each slot (value 1; version "" when unknown).',
      samples: (['A', 'B'] as const).map((slot) => ({ labels: { slot, version: n.slots[slot].version ?? '' }, value: 1 })) },
    { name: 'kubesolo_update_last_check_timestamp_seconds', type: 'gauge', help: 'Time of the last update check, Unix seconds (0: never).',
      samples: [{ value: (n.lastCheck?.at ?? 0) / 1000 }] },
    { name: 'kubesolo_update_last_check_error', type: 'gauge', help: '1 when the last update check failed.',
      samples: [{ value: n.lastCheck?.error ? 1 : 0 }] },
    { name: 'kubesolo_update_available', type: 'gauge', help: '1 when the last check found a newer version.',
      samples: [{ value: n.lastCheck?.available ? 1 : 0 }] },
    { name: 'kubesolo_update_available_version_info', type: 'gauge', help: 'The version the last check offered (value 1).',
      samples: n.lastCheck?.latest ? [{ labels: { version: n.lastCheck.latest }, value: 1 }] : [] },
    { name: 'kubesolo_update_log_last_seq', type: 'gauge', help: 'Seq of the newest event in the log.', samples: [{ value: log.seq }] },
    { name: 'kubesolo_update_log_bytes', type: 'gauge', help: 'Bytes in the log segments.', samples: [{ value: log.bytes }] },
    { name: 'kubesolo_update_log_segments', type: 'gauge', help: 'Segment files of the log.', samples: [{ value: log.segments }] },
    { name: 'kubesolo_update_log_repairs_total', type: 'counter', help: 'Torn tails the writer cut off and quarantined (LogRepaired events).',
      samples: [{ value: n.repairs }] },
    { name: 'kubesolo_update_log_losses_unacknowledged', type: 'gauge', help: "Lost log ranges (LogLost) no operator has acknowledged with 'repair --accept-loss'; apply refuses while > 0.",
      samples: [{ value: n.losses.filter((l) => l.accepted === null).length }] },
  ];
  if (n.lastBoot) {
    families.push(
      { name: 'kubesolo_update_boot_tries_remaining', type: 'gauge', help: 'GRUB boot_counter (trial boots left before fallback) seen at the last observed boot.', samples: n.lastBoot.bootCounter === null ? [] : [{ value: n.lastBoot.bootCounter }] },
      { name: 'kubesolo_update_boot_success', type: 'gauge', help: 'GRUB boot_success seen at the last observed boot.', samples: n.lastBoot.bootSuccess === null ? [] : [{ value: n.lastBoot.bootSuccess }] },
    );
  }
  return families;
}
