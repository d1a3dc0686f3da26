/**
 * state.json, the upstream-compatible view of the lifecycle (UPSTREAM.md §7). Key names and order
 * are the Go agent's (`encoding/json` of its UpdateState), then ours. Unknown fields are omitted.
 * A cache: rebuilt from the log whenever it is missing, garbage or stale.
 */
import { goTime } from './goTime.js';
import type { Lifecycle } from './lifecycle.js';

export interface StateJson {
  phase: string;
  from_version?: string;
  to_version?: string;
  started_at?: string;
  updated_at: string;
  last_error?: string;
  attempt_count: number;
  health_check_failures: number;
  attempt_id?: string;
  seq: number;
}

/**
 * The state.json object; `updatedAt` is when it is written (the one field a rebuild changes).
 * `time` formats its times: Go's for the file itself, isoTime where we print it (status).
 */
export function stateJson(l: Lifecycle, updatedAt: number, time: (ms: number) => string = goTime): StateJson {
  // Built key by key: JSON.stringify keeps insertion order, and the order is Go's struct order.
  const s: Record<string, unknown> = { phase: l.phase };
  if (l.fromVersion) s.from_version = l.fromVersion;
  if (l.toVersion) s.to_version = l.toVersion;
  if (l.startedAt !== undefined) s.started_at = time(l.startedAt);
  s.updated_at = time(updatedAt);
  if (l.lastError) s.last_error = l.lastError;
  s.attempt_count = l.attemptCount;
  s.health_check_failures = l.healthCheckFailures;
  if (l.attemptId) s.attempt_id = l.attemptId;
  s.seq = l.seq;
  return s as unknown as StateJson;
}

/** As Go's json.MarshalIndent(s, "", "  ") plus a newline, as upstream writes it. */
export function renderStateJson(s: StateJson): string {
  return `${JSON.stringify(s, null, 2)}\n`;
}

/** The Go agent's state.json is a few hundred bytes; a larger file is not one (and would not fit a record). */
export const UPSTREAM_STATE_CAP = 64 * 1024;

/**
 * Reads an upstream (Go agent) state.json for migration. Returns null for anything that is not
 * one: missing phase, not an object, not JSON, larger than UPSTREAM_STATE_CAP. Its fields are all
 * scalars, so nested values are dropped (they could nest deeper than a record can encode).
 */
export function parseUpstreamState(text: string): Record<string, unknown> | null {
  if (text.length > UPSTREAM_STATE_CAP) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    if (typeof (v as Record<string, unknown>).phase !== 'string') return null;
    return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== 'object' || x === null));
  } catch {
    return null;
  }
}
