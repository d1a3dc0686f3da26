/**
 * The writer session, the one way anything is written: lock → facts → reconcile → the
 * command's decision and steps → persisted views. Commands get a Session, decide with pure
 * deciders over `state` and `facts`, and hand the plan to `run`.
 */
import { EventLog } from '../../events/log.js';
import { LogError } from '../../events/errors.js';
import { systemClock } from '../../events/systemClock.js';
import type { NewEvent } from '../../events/types.js';
import { applyNew } from '../../projections/applyNew.js';
import type { Projections } from '../../projections/index.js';
import type { NodeFacts } from '../domain/facts.js';
import { interruption, interruptionSaid } from '../domain/interrupt.js';
import { bootEnvWarnings } from '../domain/rules.js';
import type { Refusal, Step } from '../domain/plan.js';
import { reconcile, slotsNeeded } from '../domain/reconcile.js';
import { reconcileNotes } from '../domain/reconcileNotes.js';
import { AgentError, EXIT, Interrupted } from '../errors.js';
import { checkpointEvidence } from '../persist/store.js';
import type { Paths } from '../paths.js';
import { eventBootId, gatherFacts, withSlots, type SlotsWanted } from './facts.js';
import { readProjections } from './readers.js';
import { turn, untilStopped, type SignalHold, type StopWatch } from '../signals.js';
import { runSteps } from './steps.js';
import { persistViews } from './views.js';

export interface SessionEnv {
  paths: Paths;
  /** How long a writer waits for the lock, in ms. */
  waitMs: number;
  /** This invocation as typed, for the lock's owner file. */
  invocation: string;
  slots?: 'dir' | 'partitions';
  /** SIGINT/SIGTERM, held from the lock to its release (the binary's; absent in-process: not held). */
  signals?: SignalHold;
  warn(text: string): void;
  /** Ends the process at once (lock lost, fail-stop). */
  die(code: number, message: string): never;
}

export class Session {
  constructor(readonly env: SessionEnv, readonly log: EventLog, public state: Projections, public facts: NodeFacts) {}

  /** Appends (fsynced) and folds the events into `state`. */
  async append(events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.log.append(events);
    this.state = applyNew(this.state, events, this.facts.bootId, this.facts.now);
  }

  run(steps: Step[]): Promise<void> {
    return runSteps({ grubenv: this.env.paths.grubenv, append: (e) => this.append(e), warn: (t) => this.env.warn(t), checkpoint: () => this.checkpoint() }, steps);
  }

  /** What long effects (a download) watch to stop between their chunks. */
  get stop(): StopWatch | undefined {
    return this.env.signals;
  }

  /** A safe point: throws Interrupted if SIGINT or SIGTERM came; the session records what that means. */
  async checkpoint(): Promise<void> {
    if (!this.env.signals) return;
    await turn();
    const signal = this.env.signals.received();
    if (signal) throw new Interrupted(signal);
  }

  /** Waits for work that writes nothing (the network, the health checks), unless a signal comes first. */
  untilStopped<T>(work: Promise<T>): Promise<T> {
    return untilStopped(work, this.env.signals);
  }

  /** Records a refusal's events, then stops the command with it. */
  async refuse(r: Refusal): Promise<never> {
    await this.append(r.events);
    throw new AgentError(r.code, r.refused);
  }

  /** Reads what the slots hold, as wanted (e.g. to hash a fallback before a rollback); what was read stays. */
  async readSlots(o: SlotsWanted): Promise<NodeFacts> {
    this.facts = await withSlots(this.facts, this.env.paths, this.env.slots, o);
    return this.facts;
  }
}

export function openWriter(env: SessionEnv): Promise<EventLog> {
  return EventLog.open(env.paths.dataDir, {
    writer: true, waitMs: env.waitMs, command: env.invocation, bootId: eventBootId(env.paths.root),
    evidence: () => checkpointEvidence(env.paths.dataDir),
    onLockLost: (err) => env.die(EXIT.BUSY, err.message),
  });
}

/**
 * Runs `body` as the one writer. `facts` names what the command needs read from the slots
 * beyond what reconciliation read. The views are brought up to date afterwards, also when the
 * command was refused or failed (its events are in the log), unless the log itself failed.
 *
 * SIGINT and SIGTERM are held from the lock on: the body stops at its next safe point with
 * Interrupted, and what that means for the phase is recorded here (domain/interrupt.ts); a
 * signal that came during the last step lets the command finish. Either way the exit code is
 * 128 + signo and the lock is released.
 */
export async function withSession(env: SessionEnv, body: (s: Session) => Promise<number>, opts: { facts?: (p: Projections, f: NodeFacts) => SlotsWanted } = {}): Promise<number> {
  const log = await openWriter(env);
  env.signals?.hold();
  let logFailed = false;
  let session: Session | null = null;
  try {
    const state = readProjections(env).projections;
    const base = gatherFacts(env.paths, systemClock(), { logEmpty: log.lastSeq === 0 });
    const facts = await withSlots(base, env.paths, env.slots, slotsNeeded(state, base));
    const s = session = new Session(env, log, state, facts);
    const reconciled = reconcile(state, facts);
    await s.append(reconciled);
    for (const n of reconcileNotes(state, reconciled)) env.warn(`note: ${n}`);
    for (const w of bootEnvWarnings(s.facts.env, s.state.lifecycle)) env.warn(`warning: ${w}`);
    const more = opts.facts?.(s.state, s.facts);
    if (more) await s.readSlots(more);
    const code = await body(s);
    if (!env.signals) return code;
    await turn();
    const late = env.signals.received();
    if (!late) return code;
    await s.append(interruption(s.state.lifecycle, late));
    env.warn(`stopped by ${late}: it came during the command's last step, which completed (phase ${s.state.lifecycle.phase})`);
    return EXIT[late];
  } catch (err) {
    let failure = err;
    if (err instanceof Interrupted && session) {
      const said = interruptionSaid(session.state.lifecycle, err.signal);
      failure = await session.append(interruption(session.state.lifecycle, err.signal)).then(() => new Interrupted(err.signal, said), (e) => e);
    }
    logFailed = failure instanceof LogError;
    throw failure;
  } finally {
    if (!logFailed) persistViews(env);
    await log.close();
    env.signals?.release();
  }
}
