/** One event as a JSON line: what `events` prints and `serve` streams (`at` as ISO-8601 UTC). Pure. */
import type { StoredEvent } from '../events/types.js';

export function eventLine(e: StoredEvent): string {
  const { seq, type, v, at, boot, attempt, data } = e;
  const line: Record<string, unknown> = { seq, type, v, at: new Date(at).toISOString(), boot };
  if (attempt !== undefined) line.attempt = attempt;
  line.data = data;
  if ('foreign' in e) line.foreign = true;
  return JSON.stringify(line);
}
