/**
 * What the log says about the node itself: the version in each slot (recorded by Staged and
 * BootObserved; readers never mount), the last boot seen, the last update check, and counts the
 * metrics need. Pure fold.
 */
import type { Slot, StoredEvent } from '../events/types.js';
import { evolveRecordedEnv, type RecordedEnv } from './recordedEnv.js';

export interface NodeView {
  slots: Record<Slot, { version: string | null }>;
  lastBoot: { at: number; boot: string; slot: Slot | null; bootCounter: number | null; bootSuccess: number | null } | null;
  lastCheck: { at: number; current: string; latest: string | null; available: boolean; error: string | null } | null;
  eventsByType: Record<string, number>;
  repairs: number;
  healthcheckFailures: number;
  attemptsStarted: number;
  /** `at` of the newest event: when the log last changed. */
  lastEventAt: number | null;
  /** Acknowledged events the log lost (LogLost), and whether an operator accepted each. */
  losses: LossRecord[];
  /** grubenv as last recorded in the log (status --at shows it for the past). */
  recordedEnv: RecordedEnv | null;
  /** The highest signed-statement serial accepted from each key (replays of older ones are refused). */
  serials: Record<string, number>;
}

export interface LossRecord {
  /** Seq of the LogLost event: how an acceptance names it. */
  seq: number;
  at: number;
  from: number;
  to: number;
  evidence: string;
  reason: string;
  lostHead: string | null;
  accepted: { seq: number; at: number; by: string } | null;
}

export const unacceptedLosses = (n: NodeView): LossRecord[] => n.losses.filter((l) => l.accepted === null);

export function initialNode(): NodeView {
  return {
    slots: { A: { version: null }, B: { version: null } }, lastBoot: null, lastCheck: null,
    eventsByType: {}, repairs: 0, healthcheckFailures: 0, attemptsStarted: 0, lastEventAt: null, losses: [], recordedEnv: null, serials: {},
  };
}

export function evolveNode(n: NodeView, e: StoredEvent): NodeView {
  const eventsByType = { ...n.eventsByType, [e.type]: (n.eventsByType[e.type] ?? 0) + 1 };
  const next: NodeView = { ...n, eventsByType, lastEventAt: e.at, recordedEnv: evolveRecordedEnv(n.recordedEnv, e) };
  if ('foreign' in e) return next;
  switch (e.type) {
    case 'Staged':
      return { ...next, slots: { ...n.slots, [e.data.slot]: { version: e.data.version } } };
    case 'BootObserved': {
      const slots = { ...n.slots };
      for (const slot of ['A', 'B'] as const) {
        const v = e.data.versions?.[slot];
        if (typeof v === 'string') slots[slot] = { version: v };
      }
      if (e.data.inferred) return { ...next, slots };
      return { ...next, slots, lastBoot: { at: e.at, boot: e.boot, slot: e.data.slot, bootCounter: e.data.bootCounter, bootSuccess: e.data.bootSuccess } };
    }
    case 'UpdateChecked': {
      const d = e.data;
      const st = d.statement;
      const serials = st && st.serial > (n.serials[st.key] ?? 0) ? { ...n.serials, [st.key]: st.serial } : n.serials;
      return { ...next, serials, lastCheck: { at: e.at, current: d.current, latest: d.latest ?? null, available: d.available, error: d.error ?? null } };
    }
    case 'LogRepaired':
      return { ...next, repairs: n.repairs + 1 };
    case 'LogLost': {
      const d = e.data;
      return { ...next, losses: [...n.losses, { seq: e.seq, at: e.at, from: d.from, to: d.to, evidence: d.evidence, reason: d.reason, lostHead: d.lostHead, accepted: null }] };
    }
    case 'LossAccepted': {
      const accepted = { seq: e.seq, at: e.at, by: e.data.by };
      return { ...next, losses: n.losses.map((l) => (l.accepted === null && e.data.losses.includes(l.seq) ? { ...l, accepted } : l)) };
    }
    case 'HealthcheckFailed':
      return e.data.interrupted ? next : { ...next, healthcheckFailures: n.healthcheckFailures + 1 };
    case 'AttemptStarted':
      return { ...next, attemptsStarted: n.attemptsStarted + 1 };
    default:
      return next;
  }
}
