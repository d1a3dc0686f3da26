/** What readers share: the log opened without a lock, the projections, problem lines. */
import { lstatSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LogProblem } from '../../events/cursor.js';
import { LogError } from '../../events/errors.js';
import type { EventLog } from '../../events/log.js';
import { nodeFs } from '../../events/logFs.js';
import { segmentStats } from '../../events/segments.js';
import type { LogFacts } from '../../projections/statusView.js';
import { AgentError } from '../errors.js';
import { loadProjections, type Loaded } from '../persist/store.js';

export interface ReaderEnv { paths: { dataDir: string }; warn(text: string): void }

export function describeProblem(p: LogProblem): string {
  const what = p.bytes > 0 ? `${p.bytes} bytes skipped` : 'nothing skipped';
  return `${p.segment} at offset ${p.offset}: ${p.reason} (${what})`;
}

/** A reader's onProblem: corruption is a warning on stderr, and reading goes on. */
export const warnCorrupt = (env: ReaderEnv) => (p: LogProblem) => {
  if (p.kind === 'corrupt') env.warn(`warning: corrupt log: ${describeProblem(p)}`);
};

/**
 * Refuses a data directory that is not there (a typo, a dangling symlink: exit 1), so that a
 * reader never reports "clean" or "no attempts" for a log it did not find; a file in its place
 * is BAD_PATH (exit 2), as for writers.
 */
export function requireDataDir(env: ReaderEnv): void {
  const dir = env.paths.dataDir;
  const wrong = (why: string) => new AgentError('FAILED', `the data directory ${dir} ${why}; check --data-dir or --root (nothing was read)`);
  let link: ReturnType<typeof lstatSync>;
  try { link = lstatSync(dir); } catch { throw wrong('does not exist'); }
  let target: ReturnType<typeof statSync>;
  try { target = statSync(dir); } catch {
    throw wrong(link.isSymbolicLink() ? `is a symbolic link to ${readlinkSync(dir)}, which does not exist` : 'cannot be read');
  }
  // As the writer says it (exit 2): a path that is there but is no directory is a usage error.
  if (!target.isDirectory()) throw new LogError('BAD_PATH', `the data directory ${dir} is not a directory (check --data-dir / --root)`);
}

/** Opens the log to read, without a lock; a missing data directory is an error (requireDataDir). */
export async function openReader(env: ReaderEnv): Promise<EventLog> {
  requireDataDir(env);
  // Loaded here, not on import: status and history read through the projections and never need it.
  const { EventLog } = await import('../../events/log.js');
  return EventLog.open(env.paths.dataDir, { writer: false, onProblem: warnCorrupt(env) });
}

/** The projections as the log has them now (checkpoint + tail). Reads only. */
export function readProjections(env: ReaderEnv): Loaded {
  return loadProjections(env.paths.dataDir, { onProblem: warnCorrupt(env) });
}

export function logFacts(env: ReaderEnv, loaded: Loaded): LogFacts {
  return { seq: loaded.position.seq, head: loaded.position.head, ...segmentStats(nodeFs, join(env.paths.dataDir, 'events')), behind: loaded.behind };
}
