/**
 * Writes a release into a slot (the one the apply decider chose): the version file removed and
 * synced first, each artifact streamed through SHA-256 (resumed from a durable earlier part),
 * checked against latest.json, then the version file written last. Every failure is one
 * StageFailed naming its step; the caller records it as the attempt's one AttemptFailed.
 */
import { closeSync, existsSync, fsyncSync, openSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint } from '../../events/crashPoint.js';
import { LogError } from '../../events/errors.js';
import { fsyncDir, nodeFs } from '../../events/logFs.js';
import type { ArtifactRecord, NewEvent, Slot } from '../../events/types.js';
import type { SlotStore } from '../boot/slots.js';
import { Interrupted } from '../errors.js';
import type { StopWatch } from '../signals.js';
import { download } from './download.js';
import type { Authorize } from './http.js';
import type { Release } from './metadata.js';

export class StageFailed extends Error {
  constructor(readonly step: 'download' | 'verify' | 'gate', message: string, readonly gate?: string) {
    super(message);
  }
}

export interface StageOptions {
  store: SlotStore;
  slot: Slot;
  release: Release;
  attempt: string;
  signed: boolean;
  /** Bytes of each artifact already durable in this slot for this version (a resumed attempt). */
  resume: Record<string, number>;
  idleMs: number;
  retries: number;
  /** The registry's Authorization for blob downloads (an OCI offer); none for an update server. */
  authorize?: Authorize;
  now: () => number;
  record(events: NewEvent[]): Promise<void>;
  progress(artifact: string, bytes: number, total: number | null): void;
  /** SIGINT/SIGTERM: the download stops between chunks; `checkpoint` is the safe point between artifacts. */
  stop?: StopWatch;
  checkpoint?(): Promise<void>;
}

/** Free bytes where the slot's files go, counting the old artifacts that will be replaced. */
function freeFor(dir: string): number {
  const s = statfsSync(dir);
  let reclaim = 0;
  for (const n of ['vmlinuz', 'kubesolo-os.gz']) if (existsSync(join(dir, n))) reclaim += statSync(join(dir, n)).size;
  return s.bavail * s.bsize + reclaim;
}

function writeVersion(dir: string, version: string): void {
  writeFileSync(join(dir, 'version'), `${version}\n`);
  const fd = openSync(join(dir, 'version'), 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
  fsyncDir(nodeFs, dir);
}

export async function stage(o: StageOptions): Promise<ArtifactRecord[]> {
  const r = o.release;
  const out: ArtifactRecord[] = [];
  try {
    await o.store.withDir(o.slot, 'rw', async (dir) => {
      // Still checking: a signal stops here before the slot is touched.
      await o.checkpoint?.();
      const need = r.artifacts.reduce((n, a) => n + (a.size ?? 0), 0);
      if (need > 0 && freeFor(dir) < need * 1.1) throw new StageFailed('gate', `slot ${o.slot} has ${freeFor(dir)} bytes free; the release needs ${need} + 10 %`, 'free_space');
      // Crash case: from here until the version file is written again, the slot is not bootable.
      rmSync(join(dir, 'version'), { force: true });
      fsyncDir(nodeFs, dir);
      crashPoint('apply.after-version-removed');
      for (const a of r.artifacts) {
        await o.checkpoint?.();
        const resumeFrom = o.resume[a.name] ?? 0;
        await o.record([{ type: 'DownloadStarted', attempt: o.attempt, data: { artifact: a.name, url: a.url, ...(a.size !== null ? { bytesExpected: a.size } : {}), ...(resumeFrom ? { resumeFrom } : {}) } }]);
        const got = await download({
          url: a.url, path: join(dir, a.name), idleMs: o.idleMs, resumeFrom, expected: a.size, now: o.now, retries: o.retries, authorize: o.authorize,
          onDurable: async (bytes) => { await o.record([{ type: 'DownloadProgress', attempt: o.attempt, data: { artifact: a.name, bytes } }]); crashPoint('apply.after-progress'); },
          onBytes: (bytes, total) => o.progress(a.name, bytes, total), stop: o.stop,
        });
        crashPoint('apply.after-download');
        if (got.sha256 !== a.sha256) throw new StageFailed('verify', `${a.name}: SHA-256 ${got.sha256} does not match latest.json's ${a.sha256}`);
        await o.record([{ type: 'ArtifactVerified', attempt: o.attempt, data: { artifact: a.name, bytes: got.bytes, sha256: got.sha256, authenticatedBy: o.signed ? 'metadata-signature' : 'none' } }]);
        out.push({ name: a.name, sha256: got.sha256, bytes: got.bytes });
      }
      writeVersion(dir, r.version);
      crashPoint('apply.after-version-written');
    });
  } catch (err) {
    // A log that cannot record is the command's end (exit 74), not a download failure; a signal
    // is the session's to record.
    if (err instanceof StageFailed || err instanceof LogError || err instanceof Interrupted) throw err;
    throw new StageFailed('download', (err as Error).message);
  }
  return out;
}
