/**
 * Named crash points for crash tests (etcd's gofail, FoundationDB's BUGGIFY): with
 * KUBESOLO_UPDATE_CRASH=name:N the process SIGKILLs itself at the Nth pass of `name`.
 * Unset, a pass is one comparison.
 */
const spec = process.env.KUBESOLO_UPDATE_CRASH ?? '';
const [target, nth] = spec.split(':');
let passes = 0;

/** `beforeDeath` runs just before the kill: e.g. a half-written frame, as a power cut leaves one. */
export function crashPoint(name: string, beforeDeath?: () => void): void {
  if (!spec || name !== target) return;
  passes++;
  if (passes !== Number(nth || '1')) return;
  beforeDeath?.();
  process.kill(process.pid, 'SIGKILL');
}
