import { CURRENT_VERSION, type EventType, type Envelope, type StoredEvent } from './types.js';

/** Turns version `v` of a type's payload into version `v + 1`. Pure. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** type → from-version → upcaster. Empty while every type is at v1; history on disk is never rewritten. */
export type UpcasterTable = Partial<Record<string, Record<number, Upcaster>>>;

export const UPCASTERS: UpcasterTable = {};

// A Map, not the object: replay asks this once per event, and `in` would also find 'toString'.
export const CURRENT = new Map<string, number>(Object.entries(CURRENT_VERSION));

/**
 * Brings a raw stored event to the current shape of its type. Unknown types, newer versions and
 * versions with a missing step in the chain come back marked `foreign`, untouched, never thrown on.
 */
export function upcast(raw: Envelope<string, Record<string, unknown>>, table: UpcasterTable = UPCASTERS): StoredEvent {
  const current = CURRENT.get(raw.type);
  if (raw.v === current) return raw as StoredEvent;
  if (current === undefined) return { ...raw, foreign: true };
  if (raw.v > current) return { ...raw, foreign: true };
  let data = raw.data;
  for (let v = raw.v; v < current; v++) {
    const step = table[raw.type as EventType]?.[v];
    if (!step) return { ...raw, foreign: true };
    data = step(data);
  }
  return { ...raw, v: current, data } as StoredEvent;
}
