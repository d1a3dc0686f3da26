/**
 * The one time format of everything we print — human text, every `--json`, the events export,
 * serve's answers, latest.json: ISO-8601 in UTC with milliseconds always written
 * ("2026-12-01T10:20:30.120Z"), so times sort as strings and line up in columns. state.json is
 * the exception (the Go agent's format, goTime.ts) because upstream tools read it. Pure.
 */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** What isoTime prints, exactly (the audit tests hold every printed time to it). */
export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Reads an ISO-8601 / RFC 3339 date-time that names its zone (Z or ±hh:mm; seconds and fraction
 * optional) as epoch ms; null for anything else, including impossible dates (Feb 30) that
 * Date.parse would roll over, and times without a zone (whose meaning depends on the reader).
 */
export function parseIsoTime(text: string): number | null {
  const m = DATE_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s = '0', oh = '0', om = '0'] = m.slice(1);
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  const fits = day.getUTCFullYear() === Number(y) && day.getUTCMonth() === Number(mo) - 1 && day.getUTCDate() === Number(d)
    && Number(h) <= 23 && Number(mi) <= 59 && Number(s) <= 59 && Number(oh) <= 23 && Number(om) <= 59;
  const ms = fits ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms : null;
}

/** A date-time written by someone else (a publisher's release_date) in our format; anything else as written. */
export function asIsoTime(text: string): string {
  const ms = parseIsoTime(text);
  return ms === null ? text : isoTime(ms);
}
