/**
 * Named crash points for crash tests (etcd's gofail, FoundationDB's BUGGIFY): with
 * KUBESOLO_UPDATE_CRASH=name:N the process SIGKILLs itself at the Nth pass of `name`.
 * `name:N:SIGTERM` (or SIGINT) sends that signal instead and carries on: the signal arrives in
 * the middle of the step, as an operator's would. Several points: comma-separated.
 * Unset, a pass is one comparison.
 */
interface Point { name: string; nth: number; signal: NodeJS.Signals; passes: number }

const points: Point[] = (process.env.KUBESOLO_UPDATE_CRASH ?? '').split(',').filter(Boolean).map((spec) => {
  const [name, nth, signal] = spec.split(':');
  return { name, nth: Number(nth || '1'), signal: (signal || 'SIGKILL') as NodeJS.Signals, passes: 0 };
});

/** `beforeDeath` runs just before a kill: e.g. a half-written frame, as a power cut leaves one. */
export function crashPoint(name: string, beforeDeath?: () => void): void {
  if (points.length === 0) return;
  for (const p of points) {
    if (p.name !== name || ++p.passes !== p.nth) continue;
    if (p.signal === 'SIGKILL') beforeDeath?.();
    process.kill(process.pid, p.signal);
  }
}
