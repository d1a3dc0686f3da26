/**
 * The maintenance window, `HH:MM-HH:MM` in the device's local time, as upstream (§5.4): unset
 * means always open; a window may wrap past midnight; start inclusive, end exclusive; equal ends
 * mean never (upstream's rule, kept: a zero-length window is a deliberate "not now"). Pure.
 */
export interface Window { start: number; end: number }

export function parseWindow(raw: string): Window | { error: string } {
  const m = /^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$/.exec(raw.trim());
  if (!m) return { error: `maintenance_window must be HH:MM-HH:MM, not ${JSON.stringify(raw)}` };
  const [h1, m1, h2, m2] = m.slice(1).map(Number);
  if (h1 > 23 || h2 > 23 || m1 > 59 || m2 > 59) return { error: `maintenance_window has a time out of range: ${JSON.stringify(raw)}` };
  return { start: h1 * 60 + m1, end: h2 * 60 + m2 };
}

/** Whether minute-of-day `minute` (0..1439) falls inside the window. */
export function inWindow(w: Window, minute: number): boolean {
  if (w.start === w.end) return false;
  return w.start < w.end ? minute >= w.start && minute < w.end : minute >= w.start || minute < w.end;
}

/** Minute of the local day for epoch ms `now`, given the zone's offset (Date#getTimezoneOffset sign). */
export function localMinute(now: number, offsetMinutes: number): number {
  return (((Math.floor(now / 60000) - offsetMinutes) % 1440) + 1440) % 1440;
}
