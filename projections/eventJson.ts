/**
 * One event as a JSON line: what `events` prints and `serve` streams. `at` is isoTime; the data
 * keeps its stored camelCase keys and gains their snake_case twins (snakeKeys.ts). Pure.
 */
import type { StoredEvent } from '../events/types.js';
import { isoTime } from './isoTime.js';
import { withSnakeKeys } from './snakeKeys.js';

export function eventLine(e: StoredEvent): string {
  const { seq, type, v, at, boot, attempt, data } = e;
  const line: Record<string, unknown> = { seq, type, v, at: isoTime(at), boot };
  if (attempt !== undefined) line.attempt = attempt;
  line.data = withSnakeKeys(data);
  if ('foreign' in e) line.foreign = true;
  return JSON.stringify(line);
}
