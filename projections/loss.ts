/**
 * What a lost log range still leaves us: the checkpoint that proved the loss folded those events,
 * and the first writer after it carries that fold in its LogLost event. Restoring it keeps a
 * rolled-back release rejected and a healthy trial on trial, so the post-boot healthcheck still
 * marks it good (a damaged log must never make GRUB roll back a healthy release). Pure.
 */
import type { EventDataByType } from '../events/types.js';
import type { History } from './history.js';
import { isoTime } from './isoTime.js';
import { withEndLost, type EndLost, type Lifecycle } from './lifecycle.js';
import type { LossRecord, NodeView } from './node.js';

interface Folded { lifecycle: Lifecycle; history: History; node: NodeView }

/** The carried part of LogLost: the projections of the checkpoint, with the version of their shape. */
export interface Carried { projectionVersion: number; lifecycle: unknown; history?: unknown; node?: unknown }

/** How many attempts a LogLost event carries (the newest): enough for an operator, bounded for the record. */
export const CARRIED_ATTEMPTS = 50;

/** The checkpoint's projections as LogLost carries them: the newest attempts only. */
export function carriedFrom(projectionVersion: number, p: Folded): Carried {
  const attempts = p.history.attempts.slice(-CARRIED_ATTEMPTS);
  const dropped = p.history.attempts.length - attempts.length;
  const history: History = { attempts, open: p.history.open >= dropped ? p.history.open - dropped : -1 };
  return { projectionVersion, lifecycle: p.lifecycle, history, node: p.node };
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);
const listed = <T>(x: T[] | undefined): T[] => (Array.isArray(x) ? x : []);
const union = (a: string[], b: string[]) => [...a, ...b.filter((v) => !a.includes(v))];

/**
 * The attempt the log left open that the carried fold saw end (or no longer lists, past the
 * newest CARRIED_ATTEMPTS): its outcome event was in the lost range, so none is left in the log.
 */
function endTaken(log: History, carried: History, d: EventDataByType['LogLost']): EndLost[] {
  if (log.open < 0) return [];
  const attempt = log.attempts[log.open].id;
  return listed(carried.attempts).find((a) => a.id === attempt)?.outcome === 'open' ? [] : [{ attempt, from: d.from, to: d.to }];
}

/**
 * The projections once a loss is recorded. When the log lost its end (the range starts right
 * after what we folded) and the carried fold has our shape, it replaces ours: it saw every event
 * we did and the lost ones. Otherwise only what is safe to merge from any version is kept: the
 * rejected releases, and the highest statement serials (a loss must not reopen a replay).
 */
export function restoredAfterLoss<P extends Folded>(p: P, d: EventDataByType['LogLost'], version: number): P {
  const c = d.carried as Partial<Carried> | undefined;
  const cl = (c?.lifecycle ?? {}) as Partial<Lifecycle>;
  if (c && c.projectionVersion === version && d.from === p.lifecycle.seq + 1 && c.history && c.node) {
    const node = c.node as NodeView, history = c.history as History;
    const owed = [...listed(cl.endLost), ...(p.lifecycle.endLost ?? []), ...endTaken(p.history, history, d)];
    const lifecycle = withEndLost(cl as Lifecycle, owed.filter((x, i) => owed.findIndex((y) => y.attempt === x.attempt) === i));
    return { ...p, lifecycle, history, node: { ...node, losses: node.losses ?? [] } };
  }
  const rejected = union(p.lifecycle.rejected, strings(cl.rejected));
  const rejectedArtifacts = union(p.lifecycle.rejectedArtifacts, strings(cl.rejectedArtifacts));
  return { ...p, lifecycle: { ...p.lifecycle, rejected, rejectedArtifacts }, node: { ...p.node, serials: highestSerials(p.node.serials, (c?.node as Partial<NodeView> | undefined)?.serials) } };
}

function highestSerials(ours: Record<string, number>, carried: unknown): Record<string, number> {
  const out = { ...ours };
  if (typeof carried !== 'object' || carried === null) return out;
  for (const [k, v] of Object.entries(carried)) if (Number.isSafeInteger(v) && v > (out[k] ?? 0)) out[k] = v;
  return out;
}

export const ACCEPT_HINT = "review 'kubesolo-update history', then acknowledge with 'kubesolo-update repair --accept-loss'";

export const lossRange = (l: Pick<LossRecord, 'from' | 'to'>) => (l.from === l.to ? `event ${l.from}` : `events ${l.from}–${l.to}`);

/** One line per unacknowledged loss, for status, verify, history and serve. */
export function lossWarning(l: LossRecord): string {
  return `the log lost acknowledged ${lossRange(l)} (recorded at seq ${l.seq}: ${l.reason}); ${ACCEPT_HINT}`;
}

export interface LossJson {
  seq: number; at: string; from: number; to: number; evidence: string; reason: string; lost_head: string | null;
  accepted: { seq: number; at: string; by: string } | null;
}

export const lossJson = (l: LossRecord): LossJson => ({
  seq: l.seq, at: isoTime(l.at), from: l.from, to: l.to, evidence: l.evidence, reason: l.reason, lost_head: l.lostHead,
  accepted: l.accepted ? { seq: l.accepted.seq, at: isoTime(l.accepted.at), by: l.accepted.by } : null,
});
