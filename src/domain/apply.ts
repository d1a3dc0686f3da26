/**
 * The apply decider, in two halves around fetching latest.json. Before the network: the
 * maintenance window, the node-block label, and the slot apply would write — never the booted
 * slot, never grubenv's active_slot, never the fallback of a trial, never with grubenv unknown.
 * After: authentication, "up to date", "already staged", then the attempt and its gates.
 */
import type { NewEvent, Slot } from '../../events/types.js';
import { artifactsKey } from '../../projections/lifecycle.js';
import type { Projections } from '../../projections/index.js';
import type { LossRecord } from '../../projections/node.js';
import { lostHistoryRefusal } from './loss.js';
import { isCompleteVars, other, type NodeFacts } from './facts.js';
import { evaluateGates, type GateResult, type OfferedRelease } from './gates.js';
import { refuse, type Refusal } from './plan.js';
import { acceptedSerial, judgeAuthenticity, type Authenticity, type AuthenticityRules } from './authenticity.js';
import { bootEnvRefusal, byRule, unknownBooted } from './rules.js';
import { compareVersions } from './version.js';
import { inWindow, type Window } from './window.js';

export interface ApplyStart {
  window: { raw: string; window: Window } | null;
  /** Minute of the local day now (the shell knows the zone). */
  minute: number;
  force: boolean;
  /** The node-block label's verdict, when the shell could read it. */
  blockedBy: string | null;
}

const deferred = (reason: string, events: NewEvent[] = []): NewEvent[] => [...events, { type: 'UpdateDeferred', data: { reason } }];

/** The maintenance window, checked before anything else (before the node-block pre-flight's kubectl). */
export function decideWindow(a: Omit<ApplyStart, 'blockedBy'>): Refusal | null {
  if (!a.window || a.force || inWindow(a.window.window, a.minute)) return null;
  return refuse(`outside the maintenance window ${a.window.raw}; --force applies anyway`, deferred(`outside the maintenance window ${a.window.raw}`));
}

/** The slot apply may write, or why none. `unaccepted`: lost log ranges nobody has acknowledged. */
export function decideApplyStart(f: NodeFacts, a: ApplyStart, unaccepted: LossRecord[]): Refusal | { target: Slot } {
  const lost = lostHistoryRefusal(unaccepted);
  if (lost) return lost;
  const closed = decideWindow(a);
  if (closed) return closed;
  if (a.blockedBy && !a.force) return refuse(`${a.blockedBy}; --force applies anyway`, deferred(a.blockedBy));
  if (f.booted === null) return { ...unknownBooted('write a slot'), events: deferred('the booted slot is unknown') };
  const v = f.env.vars;
  if (f.env.state !== 'ok' || !isCompleteVars(v)) return bootEnvRefusal(f.env, 'write a slot', deferred(`grubenv is ${f.env.state}`));
  const target = other(f.booted);
  if (v.boot_success === 0) {
    const why = `slot ${v.active_slot} is on trial (boot_success=0) and slot ${other(v.active_slot)} is its fallback`;
    const ends = v.active_slot === f.booted
      ? `the trial ends when 'kubesolo-update healthcheck' passes on slot ${v.active_slot}, when GRUB falls back, or with 'kubesolo-update rollback'`
      : `the trial starts at the next reboot; 'kubesolo-update rollback' cancels it`;
    return refuse(`${why}: apply would overwrite slot ${target} ${byRule('fallback')}; ${ends}`, deferred(why));
  }
  if (v.active_slot === target) {
    return refuse(`a switch to slot ${target} is pending (it boots next); reboot or roll back first — applying now would overwrite it ${byRule('fallback')}`, deferred(`a switch to slot ${target} is pending`));
  }
  return { target };
}

export interface Offer extends Authenticity { release: OfferedRelease }
export interface GateSettings { channel: string | null; arch: string; allowDowngrade: boolean; allowRejected: boolean }

export type ReleaseDecision =
  | Refusal
  | { upToDate: string; events: NewEvent[] }
  | { alreadyStaged: Slot; events: NewEvent[] }
  | { attempt: string; target: Slot; events: NewEvent[]; gates: GateResult[] };

/** The version running now: the booted slot's version file, else what the log recorded for it. */
export function currentVersion(p: Projections, f: NodeFacts): string | null {
  if (!f.booted) return null;
  return f.slots[f.booted]?.version ?? p.node.slots[f.booted].version;
}

/** The gates as apply would evaluate them for this node now. */
export function gatesOf(p: Projections, r: OfferedRelease, current: string | null, g: GateSettings): GateResult[] {
  return evaluateGates(r, { current, ...g, rejected: p.lifecycle.rejected, rejectedArtifacts: p.lifecycle.rejectedArtifacts });
}

export function decideRelease(p: Projections, f: NodeFacts, target: Slot, o: Offer, g: GateSettings, auth: AuthenticityRules): ReleaseDecision {
  const l = p.lifecycle;
  const r = o.release;
  const current = currentVersion(p, f);
  const unsigned = judgeAuthenticity(o, auth, current);
  if (unsigned) return unsigned;
  const accepted = acceptedSerial(o);
  const cmp = current === null ? 1 : compareVersions(r.version, current);
  if (current !== null && cmp === 0) {
    return { upToDate: current, events: [{ type: 'UpdateChecked', data: { current, latest: r.version, available: false, ...accepted } }] };
  }
  // The metadata step of apply is a check too, recorded as one: what it saw is what the metrics offer.
  const checked: NewEvent = { type: 'UpdateChecked', data: { current: current ?? '', latest: r.version, available: cmp !== null && cmp > 0, ...accepted } };
  if (l.phase === 'staged' && l.toVersion === r.version && l.toSlot === target && artifactsKey(l.toArtifacts) === artifactsKey(r.artifacts)) {
    return { alreadyStaged: target, events: [checked] };
  }
  const attempt = f.newAttemptId;
  const events: NewEvent[] = [checked];
  // An attempt left staged ends here, with its one outcome, before the next begins.
  if (l.phase === 'staged' && l.attemptId) events.push({ type: 'AttemptFailed', attempt: l.attemptId, data: { step: 'superseded', error: `superseded by ${r.version} before it was activated` } });
  events.push(
    { type: 'AttemptStarted', attempt, data: { fromVersion: current ?? '', fromSlot: f.booted!, toVersion: r.version, toSlot: target, source: o.url } },
    { type: 'MetadataFetched', attempt, data: {
      version: r.version, ...(r.channel ? { channel: r.channel } : {}), ...(r.architecture ? { architecture: r.architecture } : {}),
      ...(r.minCompatibleVersion ? { minCompatibleVersion: r.minCompatibleVersion } : {}),
      artifacts: r.artifacts.map((a) => ({ name: a.name as 'vmlinuz' | 'kubesolo-os.gz', sha256: a.sha256, bytes: a.size ?? 0 })), signed: o.signed,
      ...(o.statement ? { serial: o.statement.serial } : {}) } },
  );
  const gates = gatesOf(p, r, current, g);
  const stop = gates.find((x) => !x.ok);
  if (stop) return refuse(stop.reason!, [...events, { type: 'AttemptFailed', attempt, data: { step: 'gate', gate: stop.gate, error: stop.reason! } }]);
  return { attempt, target, events, gates };
}
