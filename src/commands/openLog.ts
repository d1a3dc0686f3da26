/** Opening the log from a command: the writer's lock, boot id, fail-stop wiring and persisted views in one place. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventBootId, readFacts } from '../boot/facts.js';
import type { LogProblem } from '../../events/cursor.js';
import { EventLog } from '../../events/log.js';
import { nodeFs } from '../../events/logFs.js';
import { segmentStats } from '../../events/segments.js';
import { systemClock } from '../../events/systemClock.js';
import type { LogFacts } from '../../projections/statusView.js';
import { parseUpstreamState } from '../../projections/stateFile.js';
import { EXIT } from '../errors.js';
import { loadProjections, saveProjections, type Loaded } from '../persist/store.js';
import { reconcile } from '../domain/reconcile.js';
import { applyNew } from '../../projections/applyNew.js';
import type { CliContext } from './command.js';

export async function openWriter(ctx: CliContext): Promise<EventLog> {
  return EventLog.open(ctx.paths.dataDir, {
    writer: true,
    waitMs: ctx.waitMs,
    command: ctx.invocation,
    bootId: eventBootId(ctx.paths.root),
    onLockLost: (err) => ctx.die(EXIT.BUSY, err.message),
  });
}

export function describeProblem(p: LogProblem): string {
  const what = p.bytes > 0 ? `${p.bytes} bytes skipped` : 'nothing skipped';
  return `${p.segment} at offset ${p.offset}: ${p.reason} (${what})`;
}

const warnCorrupt = (ctx: CliContext) => (p: LogProblem) => {
  if (p.kind === 'corrupt') ctx.warn(`warning: corrupt log: ${describeProblem(p)}`);
};

export async function openReader(ctx: CliContext): Promise<EventLog> {
  return EventLog.open(ctx.paths.dataDir, { writer: false, onProblem: warnCorrupt(ctx) });
}

/** The projections as the log has them now (checkpoint + tail). Reads only. */
export function readProjections(ctx: CliContext): Loaded {
  return loadProjections(ctx.paths.dataDir, { onProblem: warnCorrupt(ctx) });
}

export function logFacts(ctx: CliContext, loaded: Loaded): LogFacts {
  return { seq: loaded.position.seq, head: loaded.position.head, ...segmentStats(nodeFs, join(ctx.paths.dataDir, 'events')) };
}

/**
 * First run after the Go agent: its state.json and an empty log. The history then starts from
 * what it knew. Our own state.json (it has `seq`) is never taken for the Go agent's.
 */
async function migrateIfFirstRun(ctx: CliContext, log: EventLog): Promise<void> {
  if (log.lastSeq !== 0) return;
  let text: string;
  try { text = readFileSync(ctx.paths.state, 'utf8'); } catch { return; }
  const upstream = parseUpstreamState(text);
  if (!upstream || 'seq' in upstream) return;
  await log.append([{ type: 'Migrated', data: { state: upstream, activeSlot: null } }]);
}

/**
 * Runs a writer command: lock, migration, the command, then the persisted views (checkpoint and
 * state.json) brought up to date. Those are caches: failing to write them is a warning.
 */
export async function withWriter<T>(ctx: CliContext, body: (log: EventLog, state: Loaded) => Promise<T>): Promise<T> {
  const log = await openWriter(ctx);
  try {
    await migrateIfFirstRun(ctx, log);
    const state = await reconcileNow(ctx, log);
    const result = await body(log, state);
    persistViews(ctx);
    return result;
  } finally {
    await log.close();
  }
}

/** Reconciliation (DESIGN.md §6) under the lock, before the command; returns the state after it. */
async function reconcileNow(ctx: CliContext, log: EventLog): Promise<Loaded> {
  const before = readProjections(ctx);
  const facts = await readFacts(ctx, (bootId) => before.projections.node.lastBoot?.boot !== bootId);
  const now = systemClock();
  const events = reconcile(before.projections.lifecycle, before.projections.node, facts, (l, n, es) => applyNew(l, n, es, facts.bootId, now));
  if (events.length === 0) return before;
  await log.append(events);
  return readProjections(ctx);
}

export function persistViews(ctx: CliContext, opts: { ignoreCheckpoint?: boolean } = {}): Loaded | null {
  try {
    const loaded = loadProjections(ctx.paths.dataDir, { ignoreCheckpoint: opts.ignoreCheckpoint });
    saveProjections(ctx.paths.dataDir, ctx.paths.state, loaded, systemClock());
    return loaded;
  } catch (err) {
    ctx.warn(`warning: could not write state.json or the checkpoint (they are rebuilt next time): ${(err as Error).message}`);
    return null;
  }
}
