/**
 * Times as Go's encoding/json writes a time.Time in UTC (RFC 3339 with trailing zeros of the
 * fraction dropped: "2026-11-24T15:00:00Z", "2026-11-24T15:00:00.25Z"), so upstream tools parse them.
 */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-24T15:00:00.250Z
  return iso.replace(/\.(\d*?)0*Z$/, (_, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}
