/**
 * Loading and saving the projections: start from the checkpoint when it still matches the log,
 * replay the tail, and (writers only) persist checkpoint and state.json again. Readers use
 * `loadProjections` and never write.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogCursor, type LogPosition, type LogProblem } from '../../events/cursor.js';
import { confirmPosition } from '../../events/position.js';
import type { Evidence } from '../../events/evidence.js';
import { decodeCheckpoint, decodeCheckpointAnyVersion, encodeCheckpoint } from '../../projections/checkpoint.js';
import { carriedFrom } from '../../projections/loss.js';
import type { LossRecord } from '../../projections/node.js';
import { evolve, initialProjections, type Projections } from '../../projections/index.js';
import { renderStateJson, stateJson } from '../../projections/stateFile.js';
import { atomicWrite } from './atomicWrite.js';

export interface Loaded {
  projections: Projections;
  position: LogPosition;
  /** Events folded on top of the checkpoint (all of them when there was none). */
  replayed: number;
  /** Why the checkpoint was not used, when there was one. */
  checkpointIgnored: string | null;
  /** The log no longer holds the record the checkpoint ends at: acknowledged events lost (or edited). */
  behind: string | null;
}

export const checkpointPath = (dataDir: string) => join(dataDir, 'checkpoint');

function readCheckpoint(dataDir: string) {
  try {
    return decodeCheckpoint(readFileSync(checkpointPath(dataDir)));
  } catch {
    return undefined; // missing: not worth a word
  }
}

/**
 * What the checkpoint vouches for, for the writer to compare the log with at open: the record it
 * ends at (whatever its projection version), and its projections to carry over a loss. The
 * checkpoint is written only after the events it folded were durable, so a log behind it lost
 * acknowledged events. state.json is never evidence: it is a cache in another agent's format.
 */
export function checkpointEvidence(dataDir: string): Evidence | null {
  let c;
  try {
    c = decodeCheckpointAnyVersion(readFileSync(checkpointPath(dataDir)));
  } catch {
    return null;
  }
  if (!c || c.position.seq <= 0) return null;
  return { position: c.position, source: `the checkpoint ${checkpointPath(dataDir)}`, carried: { ...carriedFrom(c.version, c.projections) } };
}

/**
 * What the checkpoint says the log held that the log no longer holds: the checkpoint is written
 * after every writer command, so this catches a newest record edited (even with its CRC fixed
 * up) or acknowledged records lost, which the hash chain alone cannot see. Null when they agree
 * or there is no usable checkpoint.
 */
export function checkpointMismatch(dataDir: string, losses: LossRecord[] = []): LogProblem | null {
  const ev = checkpointEvidence(dataDir);
  if (!ev || confirmPosition(join(dataDir, 'events'), ev.position)) return null;
  // Already recorded as LogLost: the checkpoint is rewritten by the next writer that finishes.
  if (losses.some((l) => l.to === ev.position.seq && l.lostHead === ev.position.head)) return null;
  return {
    segment: ev.position.headSegment ?? '?', offset: ev.position.headOffset, bytes: 0, kind: 'corrupt',
    reason: `the checkpoint recorded seq ${ev.position.seq} with head ${ev.position.head} here, and the log no longer has that record: acknowledged events were edited or lost`,
  };
}

/** Folds the log into the projections, from the checkpoint when it is sound. */
export function loadProjections(dataDir: string, opts: { onProblem?: (p: LogProblem) => void; ignoreCheckpoint?: boolean } = {}): Loaded {
  const eventsDir = join(dataDir, 'events');
  let checkpointIgnored: string | null = null;
  let projections = initialProjections();
  let start: LogPosition | undefined;
  const cp = opts.ignoreCheckpoint ? undefined : readCheckpoint(dataDir);
  if (cp === null) checkpointIgnored = 'the checkpoint is damaged or from another version';
  else if (cp) {
    if (confirmPosition(eventsDir, cp.position)) {
      projections = cp.projections;
      start = cp.position;
    } else {
      checkpointIgnored = `the log no longer holds the record the checkpoint ends at (seq ${cp.position.seq}): truncated or edited`;
    }
  }
  const behind = checkpointIgnored && !opts.ignoreCheckpoint ? checkpointMismatch(dataDir, projections.node.losses)?.reason ?? null : null;
  const cursor = new LogCursor(eventsDir, { start, onProblem: opts.onProblem });
  let replayed = 0;
  for (let batch = cursor.poll(4096); batch.length > 0; batch = cursor.poll(4096)) {
    for (const e of batch) projections = evolve(projections, e);
    replayed += batch.length;
  }
  return { projections, position: cursor.position, replayed, checkpointIgnored, behind };
}

/** Writes checkpoint and state.json (writers only, under the lock). */
export function saveProjections(dataDir: string, statePath: string, loaded: Pick<Loaded, 'projections' | 'position'>, now: number): void {
  atomicWrite(checkpointPath(dataDir), encodeCheckpoint({ position: loaded.position, projections: loaded.projections }));
  atomicWrite(statePath, renderStateJson(stateJson(loaded.projections.lifecycle, now)));
}
