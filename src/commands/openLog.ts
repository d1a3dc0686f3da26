/** Opening the log from a command: the writer's lock, boot id and fail-stop wiring in one place. */
import { readBootId } from '../../events/bootId.js';
import type { LogProblem } from '../../events/cursor.js';
import { EventLog } from '../../events/log.js';
import { EXIT } from '../errors.js';
import type { CliContext } from './command.js';

/** The boot id stamped on events: the sandbox's under --root when it has one, else the kernel's. */
export function eventBootId(root: string): string {
  return readBootId(root) ?? readBootId('/') ?? 'unknown';
}

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

export async function openReader(ctx: CliContext): Promise<EventLog> {
  return EventLog.open(ctx.paths.dataDir, {
    writer: false,
    onProblem: (p) => { if (p.kind === 'corrupt') ctx.warn(`warning: corrupt log: ${describeProblem(p)}`); },
  });
}
