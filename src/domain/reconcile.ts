/**
 * Reconciliation (DESIGN.md §6): what a writer records before anything else, given the log's
 * view and what the node shows now. Pure: facts in, events out. The rules, in order, each
 * seeing the events of the ones before:
 *   0. an empty log and the Go agent's state.json → Migrated;
 *   1. a new boot id → BootObserved, preceded by `inferred` boots the agent never saw;
 *   2. a trial, a boot after it began on the other slot, grubenv no longer pointing at the trial
 *      slot → RolledBack {by: "bootloader"} (never just because the node has not rebooted yet);
 *   3. an Intent without its outcome → the outcome (recovered) if grubenv shows the effect, else
 *      IntentAbandoned;
 *   4. checking or downloading left behind → AttemptFailed {interrupted}; verifying left behind →
 *      back to activated (HealthcheckFailed {interrupted}, nothing counted); an attempt the log
 *      started whose outcome event only a lost range held → AttemptFailed {lost}, which changes
 *      nothing else (LogLost restored how it ended from the checkpoint);
 *   5. a log that knows nothing of the slots, on a node booted verified → Provisioned (found);
 *   6. a trial the log has, which grubenv no longer shows and no rule above explains (the block
 *      was changed by hand) → AttemptFailed {step: "trial"}: it ends, and says why;
 *   7. a trial grubenv shows and the log has no attempt for → TrialAdopted (on trial is a fact
 *      of the boot, not of the log).
 */
import type { NewEvent, Slot } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import type { Lifecycle } from '../../projections/lifecycle.js';
import { lossRange } from '../../projections/loss.js';
import type { Projections } from '../../projections/index.js';
import { isCompleteVars, ourScript, trialIn, type NodeFacts } from './facts.js';
import { interruption } from './interrupt.js';
import { recoverIntent } from './recoverIntent.js';

const ON_TRIAL = (l: Lifecycle) => (l.phase === 'activated' || l.phase === 'verifying') && l.trial !== null;

function migrate(p: Projections, f: NodeFacts): NewEvent[] {
  if (p.lifecycle.seq !== 0 || !f.upstreamState) return [];
  const a = f.env.vars?.active_slot;
  return [{ type: 'Migrated', data: { state: f.upstreamState, activeSlot: a === 'A' || a === 'B' ? a : null } }];
}

function observeBoot(p: Projections, f: NodeFacts): NewEvent[] {
  const { lifecycle: l, node: n } = p;
  const v = f.env.vars;
  // Nothing to observe on a machine that is not booting KubeSolo slots (a sandbox, a workstation).
  if (n.lastBoot?.boot === f.bootId || (f.booted === null && v === null)) return [];
  const out: NewEvent[] = [];
  const t = l.trial;
  if (t && v && v.boot_counter !== null && ON_TRIAL(l)) {
    const fellBack = v.active_slot !== t.slot && v.boot_success === 1;
    const unseen = fellBack ? t.counter : Math.max(0, t.counter - v.boot_counter - 1);
    for (let k = 0; k < unseen; k++) {
      out.push({ type: 'BootObserved', data: { slot: t.slot, bootCounter: t.counter - 1 - k, bootSuccess: 0, versions: {}, inferred: true } });
    }
  }
  const versions: Partial<Record<Slot, string>> = {};
  for (const s of ['A', 'B'] as const) { const x = f.slots[s]?.version; if (x) versions[s] = x; }
  out.push({ type: 'BootObserved', data: { slot: f.booted, bootCounter: v?.boot_counter ?? null, bootSuccess: v?.boot_success ?? null, versions, script: f.env.script } });
  return out;
}

function bootloaderRollback(p: Projections, f: NodeFacts): NewEvent[] {
  const l = p.lifecycle, t = l.trial, v = f.env.vars;
  if (!t || !ON_TRIAL(l)) return [];
  if (f.bootId === t.boot || f.booted === null || f.booted === t.slot || !v || v.active_slot === t.slot) return [];
  return [{ type: 'RolledBack', attempt: l.attemptId, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: t.slot, toSlot: f.booted } }];
}

function interrupted(p: Projections): NewEvent[] {
  return interruption(p.lifecycle, null);
}

const ENDED: Record<string, string> = { success: 'a success', failed: 'failed', rolled_back: 'rolled back' };

function endLost(p: Projections): NewEvent[] {
  return (p.lifecycle.endLost ?? []).map(({ attempt, from, to }) => {
    const outcome = ENDED[p.history.attempts.find((a) => a.id === attempt)?.outcome ?? ''];
    const known = outcome ? `; the checkpoint that proved the loss records it as ${outcome}` : '';
    return { type: 'AttemptFailed', attempt, data: { step: 'lost', error: `the log lost the record of how this attempt ended (${lossRange({ from, to })})${known}` } };
  });
}

function provisioned(p: Projections, f: NodeFacts): NewEvent[] {
  const l = p.lifecycle, v = f.env.vars;
  if (l.slotsKnown || f.booted === null || f.env.state !== 'ok' || !isCompleteVars(v)) return [];
  if (v.active_slot !== f.booted || v.boot_success !== 1) return [];
  const c = f.slots[f.booted];
  if (!c?.version || !c.artifacts?.length) return [];
  const how = (p.node.eventsByType.Migrated ?? 0) > 0 ? 'migrated' : 'found';
  return [{ type: 'Provisioned', data: { slot: f.booted, version: c.version, artifacts: c.artifacts, how } }];
}

function trialDiverged(p: Projections, f: NodeFacts): NewEvent[] {
  const l = p.lifecycle;
  if (!ON_TRIAL(l) || l.pendingIntent || f.env.state !== 'ok') return [];
  const t = trialIn(f.env);
  if (t && t.slot === l.trial!.slot) return [];
  const v = f.env.vars!;
  const error = v.active_slot === l.trial!.slot
    ? `grubenv marks slot ${l.trial!.slot} good (boot_success=1), but no health check of this trial passed: the block was changed outside the agent`
    : `grubenv no longer boots slot ${l.trial!.slot} (active_slot=${v.active_slot}, boot_success=${v.boot_success}) and the node did not boot another slot since: the block was changed outside the agent`;
  return [{ type: 'AttemptFailed', attempt: l.attemptId, data: { step: 'trial', error } }];
}

function adopt(p: Projections, f: NodeFacts): NewEvent[] {
  const l = p.lifecycle;
  const t = trialIn(f.env);
  if (!t || f.booted === null || (ON_TRIAL(l) && l.trial!.slot === t.slot)) return [];
  const continues = l.attemptId !== undefined && ['staged', 'activated', 'verifying'].includes(l.phase) && (l.toSlot === undefined || l.toSlot === t.slot);
  // A foreign GRUB script resets boot_success on every boot: that alone is not a trial.
  if (!ourScript(f.env) && t.slot === f.booted && !continues) return [];
  const out: NewEvent[] = [];
  const open = ['checking', 'downloading', 'staged', 'activated', 'verifying'].includes(l.phase) && l.attemptId;
  if (!continues && open) out.push({ type: 'AttemptFailed', attempt: l.attemptId, data: { step: 'superseded', error: `grubenv shows a trial of slot ${t.slot} that this attempt did not start` } });
  const c = f.slots[t.slot], fb = f.slots[t.fallback];
  const reason = (p.node.eventsByType.Migrated ?? 0) > 0 && continues ? 'the Go agent left this attempt on trial' : 'grubenv shows a trial the log has no open attempt for';
  out.push({ type: 'TrialAdopted', attempt: continues ? l.attemptId : f.newAttemptId, data: {
    slot: t.slot, previousSlot: t.fallback, bootCounter: t.counter, version: c?.version ?? null, artifacts: c?.artifacts ?? [],
    fallback: { version: fb?.version ?? null, artifacts: fb?.artifacts ?? [] }, reason,
  } });
  return out;
}

/** Leaves `attempt` out rather than undefined, so events compare and serialize cleanly. */
function tidy(e: NewEvent): NewEvent {
  if (e.attempt !== undefined) return e;
  const { attempt: _none, ...rest } = e;
  return rest as NewEvent;
}

const RULES = [migrate, observeBoot, bootloaderRollback, (p: Projections, f: NodeFacts) => recoverIntent(p.lifecycle, f), interrupted, endLost, provisioned, trialDiverged, adopt];

/** The events reconciliation appends, each rule seeing the projections after the ones before. */
export function reconcile(p0: Projections, f: NodeFacts): NewEvent[] {
  const out: NewEvent[] = [];
  let p = p0;
  for (const rule of RULES) {
    const events = rule(p, f).map(tidy);
    if (events.length === 0) continue;
    out.push(...events);
    p = applyNew(p, events, f.bootId, f.now);
  }
  return out;
}

/** What reconciliation may need read from the slots, so an ordinary command mounts nothing. */
export function slotsNeeded(p: Projections, f: Pick<NodeFacts, 'bootId' | 'booted' | 'env'>): { versions: boolean; hash: Slot[] } {
  const l = p.lifecycle, v = f.env.vars;
  const newBoot = p.node.lastBoot?.boot !== f.bootId && (f.booted !== null || v !== null);
  const provision = !l.slotsKnown && f.booted !== null && v?.active_slot === f.booted && v.boot_success === 1;
  const t = trialIn(f.env as NodeFacts['env']);
  const adoption = t !== null && !(ON_TRIAL(l) && l.trial!.slot === t.slot);
  const hash: Slot[] = adoption ? ['A', 'B'] : provision ? [f.booted!] : [];
  return { versions: newBoot || hash.length > 0, hash };
}
