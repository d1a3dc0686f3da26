import { CURRENT_VERSION, isKnownType, type Envelope, type StoredEvent } from './types.js';

/** Turns version `v` of a type's payload into version `v + 1`. Pure. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/** type → from-version → upcaster. Empty while every type is at v1; history on disk is never rewritten. */
export type UpcasterTable = Partial<Record<string, Record<number, Upcaster>>>;

export const UPCASTERS: UpcasterTable = {};

/**
 * Brings a raw stored event to the current shape of its type. Unknown types, newer versions and
 * versions with a missing step in the chain come back marked `foreign`, untouched, never thrown on.
 */
export function upcast(raw: Envelope<string, Record<string, unknown>>, table: UpcasterTable = UPCASTERS): StoredEvent {
  if (!isKnownType(raw.type)) return { ...raw, foreign: true };
  const current = CURRENT_VERSION[raw.type];
  if (raw.v === current) return raw as StoredEvent;
  if (raw.v > current) return { ...raw, foreign: true };
  let data = raw.data;
  for (let v = raw.v; v < current; v++) {
    const step = table[raw.type]?.[v];
    if (!step) return { ...raw, foreign: true };
    data = step(data);
  }
  return { ...raw, v: current, data } as StoredEvent;
}
