/** What readers share: the log opened without a lock, the projections, problem lines. */
import { join } from 'node:path';
import type { LogProblem } from '../../events/cursor.js';
import type { EventLog } from '../../events/log.js';
import { nodeFs } from '../../events/logFs.js';
import { segmentStats } from '../../events/segments.js';
import type { LogFacts } from '../../projections/statusView.js';
import { loadProjections, type Loaded } from '../persist/store.js';

export interface ReaderEnv { paths: { dataDir: string }; warn(text: string): void }

export function describeProblem(p: LogProblem): string {
  const what = p.bytes > 0 ? `${p.bytes} bytes skipped` : 'nothing skipped';
  return `${p.segment} at offset ${p.offset}: ${p.reason} (${what})`;
}

const warnCorrupt = (env: ReaderEnv) => (p: LogProblem) => {
  if (p.kind === 'corrupt') env.warn(`warning: corrupt log: ${describeProblem(p)}`);
};

export async function openReader(env: ReaderEnv): Promise<EventLog> {
  // Loaded here, not on import: status and history read through the projections and never need it.
  const { EventLog } = await import('../../events/log.js');
  return EventLog.open(env.paths.dataDir, { writer: false, onProblem: warnCorrupt(env) });
}

/** The projections as the log has them now (checkpoint + tail). Reads only. */
export function readProjections(env: ReaderEnv): Loaded {
  return loadProjections(env.paths.dataDir, { onProblem: warnCorrupt(env) });
}

export function logFacts(env: ReaderEnv, loaded: Loaded): LogFacts {
  return { seq: loaded.position.seq, head: loaded.position.head, ...segmentStats(nodeFs, join(env.paths.dataDir, 'events')) };
}
