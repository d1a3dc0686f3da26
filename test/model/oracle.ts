/**
 * The model-based test's invariants, checked after every step from the outside — the bytes in
 * the slots, grubenv, the log — never from the agent's own opinion:
 *   1. GRUB's next boot holds a complete image of a published release (while grubenv is complete);
 *   2. whenever grubenv says boot_success=1, its slot holds bytes this node verified: the
 *      provisioned release, or one a passing health check marked good while on trial;
 *   3. while a trial is on, its fallback's bytes are those it had when the trial began;
 *   4. every attempt has at most one outcome event (AttemptFailed, RolledBack, a marking pass);
 *   5. verify is clean, and state.json equals a rebuild of the log (after any step not killed);
 *   6. a command exits with a documented code and no stack trace; a hanging check ends in time;
 *   7. a log that lost what its checkpoint vouched for: the first writer records LogLost for it,
 *      apply refuses (exit 3) until `repair --accept-loss`, and verify fails only for that until then.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogCursor } from '../../events/cursor.js';
import type { StoredEvent } from '../../events/types.js';
import { decodeCheckpointAnyVersion } from '../../projections/checkpoint.js';
import { fold } from '../../projections/index.js';
import { artifactsKey } from '../../projections/lifecycle.js';
import { stateJson } from '../../projections/stateFile.js';
import { parseGrubenv } from '../../src/boot/grubenv.js';
import { ksuInProcess } from '../helpers/inProcess.js';
import { nextBoot, slotHashes, type Published } from '../helpers/invariants.js';
import type { Sandbox } from '../helpers/sandbox.js';
import { describe, type Ran, type Step } from './steps.js';

/** The seq the checkpoint vouches for when the log no longer reaches it, else null. */
function vouchedAndGone(sb: Sandbox): number | null {
  let cp;
  try { cp = decodeCheckpointAnyVersion(readFileSync(join(sb.dataDir, 'checkpoint'))); } catch { return null; }
  if (!cp) return null;
  const cursor = new LogCursor(join(sb.dataDir, 'events'));
  cursor.poll();
  return cursor.lastSeq < cp.position.seq ? cp.position.seq : null;
}

/** Killed after refusing (saving the views comes after the refusal's event): the log ends with it. */
function endsRefused(sb: Sandbox): boolean {
  const last = new LogCursor(join(sb.dataDir, 'events')).poll().at(-1);
  return last?.type === 'UpdateDeferred' && /lost acknowledged/.test((last.data as { reason: string }).reason);
}

type Vars = { active: string; counter: string; success: string } | null;

function grubVars(sb: Sandbox): Vars {
  try {
    const v = new Map(parseGrubenv(readFileSync(sb.grubenv)));
    const active = v.get('active_slot'), counter = v.get('boot_counter'), success = v.get('boot_success');
    if ((active !== 'A' && active !== 'B') || !/^[0-3]$/.test(counter ?? '') || (success !== '0' && success !== '1')) return null;
    return { active, counter: counter!, success };
  } catch {
    return null;
  }
}

const keyOf = (sb: Sandbox, slot: string) => artifactsKey([...slotHashes(join(sb.root, 'slots', slot))].map(([, sha256]) => ({ sha256 })));
const booted = (sb: Sandbox) => /kubesolo\.slot=(A|B)/.exec(readFileSync(join(sb.root, 'proc/cmdline'), 'utf8'))?.[1] ?? null;
const OUTCOMES = (e: StoredEvent) => e.type === 'AttemptFailed' || e.type === 'RolledBack' || (e.type === 'HealthcheckPassed' && (e.data as { markedGood?: boolean }).markedGood === true);

export class Oracle {
  private verified = new Set<string>();
  private trial: { slot: string; fallbackKey: string } | null = null;
  /** A command was killed: state.json may lag the log until the next command writes it. */
  private stale = false;
  /** The log lost what the checkpoint vouched for (up to this seq) and no writer has recorded it yet. */
  private lossPending: number | null = null;
  /** Losses the checkpoint proved that a writer then recorded (how often invariant 7 was exercised). */
  recorded = 0;
  /** Recorded losses nobody has acknowledged, after the last step. */
  private unaccepted = 0;

  constructor(private readonly sb: Sandbox, private readonly published: Published) {
    this.verified.add(keyOf(sb, 'A'));
  }

  /** What the step is allowed to have done, from the state before it; returns the first broken invariant. */
  async after(step: Step, before: Vars, bootedBefore: string | null, ran: Ran | null): Promise<string | null> {
    const sb = this.sb;
    const v = grubVars(sb);
    const lostBefore = this.lossPending !== null || this.unaccepted > 0;
    if (step.kind === 'log') {
      this.lossPending = vouchedAndGone(sb) ?? this.lossPending;
      this.stale = true; // state.json is a cache of the log as it was: the next writer brings it up
    }
    if (step.kind === 'apply' && ran && lostBefore && ran.code !== 3 && !(ran.signal === 'SIGKILL' && endsRefused(sb))) {
      return `apply exited ${ran.code ?? ran.signal} while the log had lost events nobody acknowledged (want 3, refused): ${ran.stderr}`;
    }
    if (ran) {
      if (ran.signal !== null && ran.signal !== 'SIGKILL') return `${describe(step)}: ended by ${ran.signal}`;
      if (ran.signal === null && ![0, 1, 2, 3].includes(ran.code ?? -1)) return `${describe(step)}: exit ${ran.code}: ${ran.stderr}`;
      if (/\n\s+at /.test(ran.stderr)) return `${describe(step)}: a stack trace: ${ran.stderr}`;
      if (step.kind === 'healthcheck' && step.result === 'hang' && ran.ms > 1000 + 30_000) return `a hanging check held the command ${ran.ms} ms (timeout 1 s)`;
      if (step.kind === 'healthcheck' && step.result === 'empty' && ran.code !== 2) return `an empty check list exited ${ran.code}, not 2 (a configuration error)`;
    }
    // A passing check of the booted slot on trial that grubenv now marks good: the test's own evidence.
    if (step.kind === 'healthcheck' && step.result === 'pass' && (ran?.code === 0 || ran?.signal === 'SIGKILL') && before?.success === '0' && before.active === bootedBefore && v?.success === '1' && v.active === bootedBefore) {
      this.verified.add(keyOf(sb, v.active));
    }
    if (v) {
      const next = nextBoot(sb.grubenv);
      const dir = join(sb.root, 'slots', next);
      if (!existsSync(join(dir, 'version'))) return `GRUB boots slot ${next} next, which has no version file`;
      const version = readFileSync(join(dir, 'version'), 'utf8').trim();
      const want = this.published.get(version);
      if (!want) return `GRUB boots slot ${next} next, which claims ${version}, a release nobody published`;
      const have = slotHashes(dir);
      for (const [name, hash] of want) if (have.get(name) !== hash) return `GRUB boots slot ${next} next: its ${name} is not ${version}'s`;
      if (v.success === '1' && !this.verified.has(keyOf(sb, v.active))) return `grubenv marks slot ${v.active} good (boot_success=1), but it holds bytes no health check passed on this node (${version})`;
      if (v.success === '0') {
        const fallback = v.active === 'A' ? 'B' : 'A';
        if (!this.trial || this.trial.slot !== v.active) this.trial = { slot: v.active, fallbackKey: keyOf(sb, fallback) };
        else if (keyOf(sb, fallback) !== this.trial.fallbackKey) return `slot ${fallback}, the fallback of the trial of slot ${v.active}, was written during the trial`;
      } else this.trial = null;
    } else if (this.trial) {
      const fallback = this.trial.slot === 'A' ? 'B' : 'A';
      if (keyOf(sb, fallback) !== this.trial.fallbackKey) return `slot ${fallback}, the fallback of a trial, was written while grubenv was damaged`;
    }
    if (ran) this.stale = ran.signal === 'SIGKILL' || (this.stale && ran.code === 2);
    return this.lossProblems(step, ran) ?? this.logProblems(this.stale);
  }

  /** Invariant 7, from the log: the loss recorded by the first writer, acknowledged only by repair. */
  private lossProblems(step: Step, ran: Ran | null): string | null {
    const events = new LogCursor(join(this.sb.dataDir, 'events')).poll();
    const node = fold(events).node;
    this.unaccepted = node.losses.filter((l) => l.accepted === null).length;
    if (this.lossPending !== null && events.some((e) => e.type === 'LogLost' && (e.data as { to: number }).to === this.lossPending)) {
      this.lossPending = null;
      this.recorded++;
    }
    if (this.lossPending !== null && ran && ran.signal === null && ran.code !== 2) return `the log lost events up to seq ${this.lossPending} (its checkpoint vouched for them), and the writer did not record LogLost`;
    if (step.kind === 'repair' && ran?.code === 0 && (this.unaccepted > 0 || this.lossPending !== null)) return 'repair --accept-loss exited 0 with a loss still unacknowledged';
    return null;
  }

  snapshot(): { vars: Vars; booted: string | null } {
    return { vars: grubVars(this.sb), booted: booted(this.sb) };
  }

  private async logProblems(stale: boolean): Promise<string | null> {
    const sb = this.sb;
    const events = new LogCursor(join(sb.dataDir, 'events')).poll();
    const outcomes = new Map<string, number>();
    for (const e of events) if (e.attempt && OUTCOMES(e)) outcomes.set(e.attempt, (outcomes.get(e.attempt) ?? 0) + 1);
    for (const [a, n] of outcomes) if (n > 1) return `attempt ${a} has ${n} outcome events`;
    // Nothing recorded yet (every step so far was refused before a writer ran): nothing to verify.
    if (!existsSync(sb.dataDir)) return null;
    const verify = await ksuInProcess(['--root', sb.root, 'verify', '--json']);
    if (verify.code !== 0 && !this.onlyTheLoss(verify.stdout)) return `verify: ${verify.stdout}${verify.stderr}`;
    if (stale || !existsSync(join(sb.dataDir, 'state.json'))) return null;
    const { updated_at: _a, ...cached } = JSON.parse(readFileSync(join(sb.dataDir, 'state.json'), 'utf8'));
    const { updated_at: _b, ...rebuilt } = stateJson(fold(events).lifecycle, 0) as unknown as Record<string, unknown>;
    return JSON.stringify(cached) === JSON.stringify(rebuilt) ? null : `state.json ${JSON.stringify(cached)} is not a rebuild of the log ${JSON.stringify(rebuilt)}`;
  }

  /**
   * verify failed only because of a loss: before a writer recorded it, verify must name it (the
   * damaged bytes may be reported beside it); once recorded and not yet acknowledged, nothing else.
   */
  private onlyTheLoss(report: string): boolean {
    const r = JSON.parse(report) as { problems: Array<{ reason: string }> };
    if (this.lossPending !== null) return r.problems.some((p) => /acknowledged events were edited or lost/.test(p.reason));
    return this.unaccepted > 0 && r.problems.length === 0;
  }

  /** At the end: every attempt but the open one has exactly one outcome. */
  finalProblems(): string | null {
    const events = new LogCursor(join(this.sb.dataDir, 'events')).poll();
    const started = events.filter((e) => e.type === 'AttemptStarted' || e.type === 'TrialAdopted').map((e) => e.attempt!);
    const ended = new Set(events.filter((e) => e.attempt && OUTCOMES(e)).map((e) => e.attempt!));
    const open = [...new Set(started)].filter((a) => !ended.has(a));
    return open.length > 1 ? `attempts without an outcome: ${open.join(', ')}` : null;
  }
}
