/**
 * A scripted lifecycle, as the agent will log it: a successful update, an update the bootloader
 * rolls back after failed health checks, a gate refusal, and checks around them. Deterministic
 * (fixed clock, boot ids and attempt ids), so its projections can be golden files.
 */
import type { NewEvent } from '../../events/types.js';
import { LogWriter } from '../../events/writer.js';

const checks = (ok: boolean) => [
  { name: 'kubelet', ok: true, ms: 40 },
  { name: 'apiserver', ok, ms: ok ? 120 : 5000, ...(ok ? {} : { detail: 'timeout after 5s' }) },
];
const artifacts = (v: string) => [
  { name: 'vmlinuz' as const, sha256: 'a'.repeat(64), bytes: 8_000_000 },
  { name: 'kubesolo-os.gz' as const, sha256: `${v.replace(/\W/g, '')}`.padEnd(64, 'b'), bytes: 90_000_000 },
];

/** Batches (one append each) and the boot id each batch is written under. */
export function scenario(): Array<{ boot: string; events: NewEvent[] }> {
  const A1 = '01JD0000000000000000000001';
  const A2 = '01JD0000000000000000000002';
  const A3 = '01JD0000000000000000000003';
  const b1 = 'boot-1', b2 = 'boot-2', b3 = 'boot-3', b4 = 'boot-4';
  return [
    { boot: b1, events: [{ type: 'OperatorNote', data: { text: 'node installed' } }] },
    { boot: b1, events: [{ type: 'UpdateChecked', data: { current: 'v1.0.0', latest: 'v1.1.0', available: true } }] },
    { boot: b1, events: [
      { type: 'AttemptStarted', attempt: A1, data: { fromVersion: 'v1.0.0', fromSlot: 'A', toVersion: 'v1.1.0', toSlot: 'B', source: 'https://updates.example/stable' } },
      { type: 'MetadataFetched', attempt: A1, data: { version: 'v1.1.0', channel: 'stable', architecture: 'amd64', artifacts: artifacts('v1.1.0'), signed: true } },
    ] },
    { boot: b1, events: [{ type: 'DownloadStarted', attempt: A1, data: { artifact: 'vmlinuz', url: 'https://updates.example/v1.1.0/vmlinuz', bytesExpected: 8_000_000 } }] },
    { boot: b1, events: [{ type: 'ArtifactVerified', attempt: A1, data: { artifact: 'vmlinuz', bytes: 8_000_000, sha256: 'a'.repeat(64), authenticatedBy: 'metadata-signature' } }] },
    { boot: b1, events: [{ type: 'DownloadStarted', attempt: A1, data: { artifact: 'kubesolo-os.gz', url: 'https://updates.example/v1.1.0/kubesolo-os.gz', bytesExpected: 90_000_000 } }] },
    { boot: b1, events: [{ type: 'DownloadProgress', attempt: A1, data: { artifact: 'kubesolo-os.gz', bytes: 45_000_000 } }] },
    { boot: b1, events: [{ type: 'ArtifactVerified', attempt: A1, data: { artifact: 'kubesolo-os.gz', bytes: 90_000_000, sha256: 'v110'.padEnd(64, 'b'), authenticatedBy: 'metadata-signature' } }] },
    { boot: b1, events: [{ type: 'Staged', attempt: A1, data: { slot: 'B', version: 'v1.1.0', artifacts: artifacts('v1.1.0') } }] },
    { boot: b1, events: [{ type: 'Intent', attempt: A1, data: { action: 'activate', slot: 'B' } }] },
    { boot: b1, events: [{ type: 'Activated', attempt: A1, data: { slot: 'B', previousSlot: 'A' } }] },
    { boot: b2, events: [{ type: 'BootObserved', data: { slot: 'B', bootCounter: 2, bootSuccess: 0, versions: { A: 'v1.0.0', B: 'v1.1.0' } } }] },
    { boot: b2, events: [{ type: 'HealthcheckStarted', attempt: A1, data: {} }] },
    { boot: b2, events: [{ type: 'Intent', attempt: A1, data: { action: 'mark-good', slot: 'B' } }] },
    { boot: b2, events: [{ type: 'HealthcheckPassed', attempt: A1, data: { checks: checks(true), markedGood: true } }] },
    { boot: b2, events: [{ type: 'UpdateChecked', data: { current: 'v1.1.0', latest: 'v1.2.0', available: true } }] },
    { boot: b2, events: [
      { type: 'AttemptStarted', attempt: A2, data: { fromVersion: 'v1.1.0', fromSlot: 'B', toVersion: 'v1.2.0', toSlot: 'A', source: 'https://updates.example/stable' } },
      { type: 'MetadataFetched', attempt: A2, data: { version: 'v1.2.0', artifacts: artifacts('v1.2.0'), signed: true } },
    ] },
    { boot: b2, events: [{ type: 'DownloadStarted', attempt: A2, data: { artifact: 'vmlinuz', url: 'https://updates.example/v1.2.0/vmlinuz' } }] },
    { boot: b2, events: [{ type: 'Staged', attempt: A2, data: { slot: 'A', version: 'v1.2.0', artifacts: artifacts('v1.2.0') } }] },
    { boot: b2, events: [{ type: 'Intent', attempt: A2, data: { action: 'activate', slot: 'A' } }, { type: 'Activated', attempt: A2, data: { slot: 'A', previousSlot: 'B' } }] },
    { boot: b3, events: [{ type: 'BootObserved', data: { slot: 'A', bootCounter: 2, bootSuccess: 0, versions: { A: 'v1.2.0', B: 'v1.1.0' } } }] },
    { boot: b3, events: [{ type: 'HealthcheckStarted', attempt: A2, data: {} }] },
    { boot: b3, events: [{ type: 'HealthcheckFailed', attempt: A2, data: { checks: checks(false), consecutiveFailures: 1 } }] },
    { boot: b3, events: [{ type: 'HealthcheckStarted', attempt: A2, data: {} }] },
    { boot: b3, events: [{ type: 'HealthcheckFailed', attempt: A2, data: { checks: checks(false), consecutiveFailures: 2 } }] },
    { boot: b4, events: [
      { type: 'BootObserved', data: { slot: 'A', bootCounter: 0, bootSuccess: 0, versions: {}, inferred: true } },
      { type: 'BootObserved', data: { slot: 'B', bootCounter: 3, bootSuccess: 1, versions: { A: 'v1.2.0', B: 'v1.1.0' } } },
      { type: 'RolledBack', attempt: A2, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: 'A', toSlot: 'B' } },
    ] },
    { boot: b4, events: [
      { type: 'AttemptStarted', attempt: A3, data: { fromVersion: 'v1.1.0', fromSlot: 'B', toVersion: 'v1.2.1', toSlot: 'A', source: 'https://updates.example/stable' } },
      { type: 'AttemptFailed', attempt: A3, data: { step: 'gate', gate: 'channel', error: 'release channel "beta" does not match the configured channel "stable"' } },
    ] },
    { boot: b4, events: [{ type: 'UpdateChecked', data: { current: 'v1.1.0', available: false, error: 'GET https://updates.example/stable/latest.json: 503 Service Unavailable' } }] },
    { boot: b4, events: [{ type: 'OperatorNote', data: { text: 'v1.2.0 rejected; waiting for v1.2.1 on stable' } }] },
  ];
}

/** Writes the scenario as a log under `eventsDir` (one minute between appends). */
export function writeScenario(eventsDir: string, fs?: import('../../events/logFs.js').LogFs): void {
  let t = Date.UTC(2026, 10, 1, 8, 0, 0) - 60_000;
  const clock = () => (t += 60_000);
  let writer: LogWriter | null = null;
  let boot = '';
  for (const b of scenario()) {
    if (b.boot !== boot) {
      writer?.close();
      boot = b.boot;
      writer = LogWriter.open(eventsDir, { clock, bootId: boot, fs });
    }
    writer!.append(b.events);
  }
  writer?.close();
}
