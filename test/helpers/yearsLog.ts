/**
 * Years of one node's life, written straight into a log with the real LogWriter (fdatasync is a
 * no-op: this is generation, not durability). Deterministic for a seed.
 *
 * The node, as the deploy files run it: the check timer appends `UpdateChecked` every six hours
 * (plus up to an hour of random delay); the boot-time healthcheck unit is the first writer after
 * every boot, so it records `BootObserved` (reconciliation) and then its check. Every month the
 * server publishes a release and the operator applies it a few days later: `apply`, `activate`,
 * a reboot into the new slot on trial, and the healthcheck unit marks it good — or it does not:
 * downloads stall, a hash mismatches, a power cut interrupts a download (the next writer
 * quarantines the torn record: `LogRepaired`, then `AttemptFailed {interrupted}`), a release
 * candidate on the wrong channel or a rejected version is refused by a gate, a staged release is
 * never activated and is superseded, and trial boots fail: GRUB falls back by itself (seen boots,
 * or boots that never reached the agent, recorded as `inferred`), the agent rolls back after
 * `auto_rollback_after` failures (set from year four), or the operator does — once a week after a
 * success. Plus reboots in between, operator notes and the odd deferred apply.
 *
 * Each event is written as the command that would write it appends it (the same batches, the same
 * payloads: src/commands/{check,apply,activate,healthcheck,rollback}.ts and
 * src/domain/reconcile.ts), and the generator keeps what the log should then say: every attempt
 * with its outcome, boots and health checks, and the node's final facts.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame, encodePayload } from '../../events/format.js';
import { nodeFs } from '../../events/logFs.js';
import { listSegments } from '../../events/segments.js';
import { CURRENT_VERSION, type ArtifactRecord, type CheckResult, type NewEvent, type Slot } from '../../events/types.js';
import { LogWriter } from '../../events/writer.js';
import { emptyGrubenv, setAll } from '../../src/boot/grubenv.js';
import { SCRIPT_VERSION } from '../../src/domain/facts.js';
import { compareVersions } from '../../src/domain/version.js';
import { rng } from './randomEvents.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const YEAR = 365.25 * DAY;
const MONTH = YEAR / 12;

export type Outcome = 'success' | 'failed' | 'rolled_back' | 'open';
export type RollbackBy = 'manual' | 'auto' | 'bootloader';

/** What `history --json` must say about one attempt. */
export interface ExpectedAttempt {
  id: string;
  fromVersion: string;
  toVersion: string;
  fromSlot: Slot;
  toSlot: Slot;
  startedAt: number;
  endedAt: number | null;
  outcome: Outcome;
  failedStep: string | null;
  rollbackBy: RollbackBy | null;
  boots: number;
  inferredBoots: number;
  healthchecks: number;
}

export interface YearsOptions {
  seed?: number;
  /** Epoch ms of the first event (default 2016-10-01T00:00Z: ten years end before 2026-10). */
  start?: number;
  years?: number;
  /** Period of the check timer (default 6 h); a smaller one scales the log up with the same story. */
  checkEveryMs?: number;
  /** Segment size of the writer (default: the writer's, 8 MiB). */
  segmentBytes?: number;
}

export interface YearsLog {
  dataDir: string;
  events: number;
  lastSeq: number;
  head: string;
  segments: number;
  /** Sum of the segment files' sizes. */
  bytes: number;
  firstAt: number;
  lastAt: number;
  attempts: ExpectedAttempt[];
  counts: {
    checks: number; checkErrors: number; boots: number; inferredBoots: number; notes: number; repairs: number;
    deferred: number; stableHealthchecks: number; releases: number;
  };
  /** The node when the log ends: what its sandbox must hold so readers and writers agree with the log. */
  final: {
    bootId: string; booted: Slot; version: string; slots: Record<Slot, string | null>;
    phase: string; toVersion: string | null; attemptCount: number; rejected: string[];
  };
}

type Plan =
  | 'success' | 'download-fail' | 'verify-fail' | 'interrupted' | 'superseded' | 'channel-gate'
  | 'bootloader' | 'bootloader-inferred' | 'auto' | 'manual' | 'regression';

interface Release { version: string; channel: string; artifacts: ArtifactRecord[]; urls: Record<string, string> }

const SERVER = 'https://updates.example.com/stable';
const CHECK_NAMES = ['containerd', 'apiserver', 'node-ready', 'kube-system', 'disk-writable'];
const other = (s: Slot): Slot => (s === 'A' ? 'B' : 'A');

/** A min-heap of timed actions; ties run in the order they were scheduled. */
class Agenda {
  private items: Array<{ at: number; n: number; fn: () => void }> = [];
  private n = 0;
  get size(): number { return this.items.length; }
  push(at: number, fn: () => void): void {
    const it = { at, n: this.n++, fn };
    const a = this.items;
    a.push(it);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  pop(): { at: number; fn: () => void } {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
  private less(x: { at: number; n: number }, y: { at: number; n: number }): boolean {
    return x.at < y.at || (x.at === y.at && x.n < y.n);
  }
}

/** Writes the years into `<dataDir>/events` (which must not hold a log yet). */
export function generateYears(dataDir: string, o: YearsOptions = {}): YearsLog {
  const r = rng(o.seed ?? 20161001);
  const uniform = () => r(1_000_000_007) / 1_000_000_007;
  const between = (lo: number, hi: number) => lo + Math.floor(uniform() * (hi - lo));
  const chance = (p: number) => uniform() < p;
  const pick = <T>(xs: readonly T[]): T => xs[r(xs.length)];
  // The check timer draws from its own stream, so the story is the same whatever its period.
  const rc = rng((o.seed ?? 20161001) ^ 0x5bd1e995);
  const checkChance = (p: number) => rc(1_000_000) < p * 1_000_000;
  const hex = (n: number) => { let s = ''; while (s.length < n) s += r(0x10000).toString(16).padStart(4, '0'); return s.slice(0, n); };

  const start = o.start ?? Date.UTC(2016, 9, 1);
  const end = start + (o.years ?? 10) * YEAR;
  const checkEvery = o.checkEveryMs ?? 6 * HOUR;
  const jitter = Math.min(HOUR, checkEvery / 2);
  const eventsDir = join(dataDir, 'events');
  const noSync = { ...nodeFs, fdatasyncSync: () => {} };

  // ---- the node: clock, boot, grubenv, slots ----
  let now = start;
  const newBootId = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${(8 + r(4)).toString(16)}${hex(3)}-${hex(12)}`;
  let bootId = newBootId();
  let booted: Slot = 'A';
  const env = { active: 'A' as Slot, counter: 3, success: 1 };
  const slotVersion: Record<Slot, string | null> = { A: 'v1.0.0', B: null };
  const writerOpts = { clock: () => now, get bootId() { return bootId; }, fs: noSync, segmentBytes: o.segmentBytes };
  let w = LogWriter.open(eventsDir, writerOpts);
  let events = 0;
  let lastAt = now;
  const append = (batch: NewEvent[]) => {
    w.append(batch);
    events += batch.length;
    lastAt = now;
  };

  // ---- what the log's projections will say (a mirror of lifecycle + history, by hand) ----
  let phase = 'idle';
  let current: ExpectedAttempt | null = null; // the attempt the lifecycle follows
  let open: ExpectedAttempt | null = null; // history's open attempt
  let trial: { slot: Slot; boot: string; counter: number } | null = null;
  let hcFailures = 0;
  let attemptCount = 0;
  let partial: { version: string; slot: Slot; bytes: Record<string, number> } | null = null;
  const rejected: string[] = [];
  const attempts: ExpectedAttempt[] = [];
  const counts = { checks: 0, checkErrors: 0, boots: 0, inferredBoots: 0, notes: 0, repairs: 0, deferred: 0, stableHealthchecks: 0, releases: 0 };
  let autoAfter = 0;
  let pid = between(300, 2000);
  const close = (a: ExpectedAttempt, outcome: Outcome, patch: Partial<ExpectedAttempt> = {}) => {
    Object.assign(a, { outcome, endedAt: now }, patch);
    if (open === a) open = null;
  };

  // ---- the server ----
  let latest: Release | null = null;
  const release = (version: string, channel: string, k: number): Release => {
    const sizes = { vmlinuz: 9_000_000 + k * 40_000 + between(0, 200_000), 'kubesolo-os.gz': 70_000_000 + k * 500_000 + between(0, 3_000_000) };
    const artifacts = (['vmlinuz', 'kubesolo-os.gz'] as const).map((name) => ({
      name, bytes: sizes[name], sha256: createHash('sha256').update(`${version}/${name}/${k}`).digest('hex'),
    }));
    const urls = Object.fromEntries(artifacts.map((a) => [a.name, `https://updates.example.com/releases/${version}/${a.name}`]));
    return { version, channel, artifacts, urls };
  };

  const agenda = new Agenda();
  const at = (t: number, fn: () => void) => agenda.push(t, fn);
  const later = (ms: number, fn: () => void) => agenda.push(now + ms, fn);

  // ---- writer commands, as they append ----
  const runningVersion = () => slotVersion[booted] ?? '';
  /** No switch pending, no trial, no download: an operator may apply or reboot. */
  const idle = () => booted === env.active && phase !== 'activated' && phase !== 'verifying' && phase !== 'checking' && phase !== 'downloading';
  const onTrial = () => (phase === 'activated' || phase === 'verifying') && trial !== null && trial.slot === booted;

  const note = (text: string) => {
    append([{ type: 'OperatorNote', data: { text } }]);
    counts.notes++;
  };

  const check = () => {
    counts.checks++;
    const cur = runningVersion();
    if (checkChance(0.012)) {
      counts.checkErrors++;
      const error = [
        `GET ${SERVER}/latest.json: connect ETIMEDOUT 203.0.113.7:443`,
        `GET ${SERVER}/latest.json: 503 Service Unavailable`,
        `GET ${SERVER}/latest.json: getaddrinfo EAI_AGAIN updates.example.com`,
      ][rc(3)];
      append([{ type: 'UpdateChecked', data: { current: cur, available: false, error } }]);
      return;
    }
    const offered = latest!.version;
    append([{ type: 'UpdateChecked', data: { current: cur, latest: offered, available: (compareVersions(offered, cur) ?? 0) > 0 } }]);
  };

  const checks = (ok: boolean, failing = 'kube-system'): CheckResult[] => CHECK_NAMES.map((name) => {
    const bad = !ok && name === failing;
    const c: CheckResult = { name, ok: !bad, ms: bad ? 120_000 : between(2, name === 'kube-system' ? 900 : 300) };
    if (bad) c.detail = failing === 'kube-system' ? `pod coredns-${hex(10)}-${hex(5)} is CrashLoopBackOff` : 'GET /readyz: timeout after 30 s';
    return c;
  });

  /** Reconciliation of the first writer after a boot: inferred boots, the boot, a GRUB fallback, an interrupted download. */
  const reconcileBoot = () => {
    const batch: NewEvent[] = [];
    let inferred = 0;
    if (trial && (phase === 'activated' || phase === 'verifying')) {
      const fellBack = env.active !== trial.slot && env.success === 1;
      const unseen = fellBack ? trial.counter : Math.max(0, trial.counter - env.counter - 1);
      for (let k = 0; k < unseen; k++) {
        batch.push({ type: 'BootObserved', data: { slot: trial.slot, bootCounter: trial.counter - 1 - k, bootSuccess: 0, versions: {}, inferred: true } });
        inferred++;
      }
    }
    const versions: Partial<Record<Slot, string>> = {};
    for (const s of ['A', 'B'] as const) if (slotVersion[s]) versions[s] = slotVersion[s]!;
    batch.push({ type: 'BootObserved', data: { slot: booted, bootCounter: env.counter, bootSuccess: env.success, versions } });
    counts.boots++;
    counts.inferredBoots += inferred;
    if (open) { open.boots += 1 + inferred; open.inferredBoots += inferred; }
    if (trial && trial.slot === booted) trial.counter = env.counter;
    if (trial && (phase === 'activated' || phase === 'verifying') && bootId !== trial.boot && booted !== trial.slot && env.active !== trial.slot) {
      batch.push({ type: 'RolledBack', attempt: current!.id, data: { by: 'bootloader', reason: 'boot counter exhausted', fromSlot: trial.slot, toSlot: booted } });
      rollBackState();
      close(current!, 'rolled_back', { rollbackBy: 'bootloader' });
    }
    if (phase === 'checking' || phase === 'downloading') {
      batch.push({ type: 'AttemptFailed', attempt: current!.id, data: { step: 'interrupted', error: `the process running this attempt stopped while ${phase}` } });
      phase = 'failed';
      close(current!, 'failed', { failedStep: 'interrupted' });
    }
    append(batch);
  };

  const rollBackState = () => {
    phase = 'rolled_back';
    if (current && !rejected.includes(current.toVersion)) rejected.push(current.toVersion);
    trial = null;
  };

  /** The boot-time healthcheck unit: reconcile, then check; on trial, pass (mark good) or count a failure. */
  const bootHealthcheck = (healthy: boolean, startDelay = between(60, 150) * SEC) => {
    now += startDelay;
    pid = between(300, 2000);
    reconcileBoot();
    now += between(1, 5) * SEC;
    if (!onTrial()) {
      const ok = !chance(0.03);
      now += between(5, 40) * SEC;
      if (ok) append([{ type: 'HealthcheckPassed', data: { checks: checks(true), markedGood: false } }]);
      else append([{ type: 'HealthcheckFailed', data: { checks: checks(false, 'apiserver'), consecutiveFailures: 1 } }]);
      counts.stableHealthchecks++;
      return;
    }
    const a = current!;
    append([{ type: 'HealthcheckStarted', attempt: a.id, data: {} }]);
    phase = 'verifying';
    if (healthy) {
      now += between(20, 90) * SEC;
      append([{ type: 'Intent', attempt: a.id, data: { action: 'mark-good', slot: trial!.slot } }]);
      now += 40;
      append([{ type: 'HealthcheckPassed', attempt: a.id, data: { checks: checks(true), markedGood: true } }]);
      env.success = 1;
      a.healthchecks++;
      phase = 'success';
      hcFailures = 0;
      trial = null;
      close(a, 'success');
      return;
    }
    now += 120 * SEC; // retried until the 120 s timeout
    hcFailures++;
    append([{ type: 'HealthcheckFailed', attempt: a.id, data: { checks: checks(false), consecutiveFailures: hcFailures } }]);
    a.healthchecks++;
    phase = 'activated';
    if (autoAfter > 0 && hcFailures >= autoAfter) {
      const target = other(trial!.slot);
      const reason = `${hcFailures} consecutive failed health checks`;
      now += 30;
      append([{ type: 'Intent', attempt: a.id, data: { action: 'rollback', slot: target, by: 'auto', reason } }]);
      env.active = target; env.counter = 3; env.success = 1;
      now += 30;
      append([{ type: 'RolledBack', attempt: a.id, data: { by: 'auto', reason, fromSlot: trial!.slot, toSlot: target } }]);
      rollBackState();
      close(a, 'rolled_back', { rollbackBy: 'auto' });
    }
  };

  /** GRUB (deploy/grub/ab-select.cfg) picks the slot; a new boot id. */
  const reboot = () => {
    now += between(45, 120) * SEC;
    if (env.success !== 1) {
      if (env.counter > 0) env.counter--;
      else { env.active = other(env.active); env.success = 1; env.counter = 3; }
    }
    booted = env.active;
    bootId = newBootId();
  };

  /** A reboot of a node that is up, then the healthcheck unit. */
  const plainReboot = (reason: string | null) => {
    if (reason) note(reason);
    reboot();
    bootHealthcheck(true);
  };

  /** The power goes while a record is being written: half a frame at the end of the newest segment. */
  const powerCut = (torn: NewEvent[]) => {
    const head = Buffer.from(w.head, 'hex');
    const frame = encodeFrame(encodePayload({
      seq: w.lastSeq + 1, at: now, boot: bootId,
      events: torn.map((e) => ({ type: e.type, v: CURRENT_VERSION[e.type], attempt: e.attempt, data: e.data as Record<string, unknown> })),
    }), head);
    w.close();
    const segs = listSegments(nodeFs, eventsDir);
    const path = segs[segs.length - 1].path;
    const fd = openSync(path, 'r+');
    try { writeSync(fd, frame, 0, frame.length >> 1, statSync(path).size); } finally { closeSync(fd); }
    now += between(20, 180) * MIN;
    reboot();
    // The first writer of the new boot recovers the log: the torn record goes to quarantine/ and
    // the writer itself appends LogRepaired.
    now += between(60, 150) * SEC;
    const before = w.lastSeq;
    w = LogWriter.open(eventsDir, writerOpts);
    const repaired = w.lastSeq - before;
    counts.repairs += repaired;
    events += repaired;
    bootHealthcheck(true, 0);
  };

  // ---- one attempt, step by step ----
  const newAttemptId = () => `${now.toString(36)}-${pid.toString(36)}`.toUpperCase();

  const startAttempt = (rel: Release): ExpectedAttempt => {
    pid = between(300, 30000);
    const toSlot = other(booted);
    const a: ExpectedAttempt = {
      id: newAttemptId(), fromVersion: runningVersion(), toVersion: rel.version, fromSlot: booted, toSlot,
      startedAt: now, endedAt: null, outcome: 'open', failedStep: null, rollbackBy: null, boots: 0, inferredBoots: 0, healthchecks: 0,
    };
    if (open) close(open, 'failed', { failedStep: 'superseded' });
    append([
      { type: 'AttemptStarted', attempt: a.id, data: { fromVersion: a.fromVersion, fromSlot: booted, toVersion: rel.version, toSlot, source: `${SERVER}/latest.json` } },
      { type: 'MetadataFetched', attempt: a.id, data: {
        version: rel.version, channel: rel.channel, architecture: 'amd64', artifacts: rel.artifacts, signed: true } },
    ]);
    attemptCount = current && current.toVersion === rel.version ? attemptCount + 1 : 1;
    if (!(partial && partial.version === rel.version && partial.slot === toSlot)) partial = null;
    attempts.push(a);
    current = a;
    open = a;
    phase = 'checking';
    trial = null;
    hcFailures = 0;
    return a;
  };

  const fail = (a: ExpectedAttempt, step: string, error: string, gate?: string) => {
    append([{ type: 'AttemptFailed', attempt: a.id, data: { step, error, ...(gate ? { gate } : {}) } }]);
    phase = 'failed';
    close(a, 'failed', { failedStep: gate ? `gate:${gate}` : step });
  };

  /** `apply`: returns true when it staged. */
  const apply = (rel: Release, plan: Plan | 'rejected-gate'): boolean => {
    now += between(2_000, 30_000);
    if (booted !== env.active) throw new Error('generator bug: apply with a switch pending');
    const a = startAttempt(rel);
    now += between(150, 900);
    if (rel.channel !== 'stable') {
      fail(a, 'gate', `release channel ${JSON.stringify(rel.channel)} does not match the configured channel "stable"`, 'channel');
      return false;
    }
    if (rejected.includes(rel.version)) {
      fail(a, 'gate', `${rel.version} was rolled back before; pass --allow-rejected to try it again`, 'rejected');
      return false;
    }
    const slot = a.toSlot;
    slotVersion[slot] = null; // the version file goes first
    const rate = between(1_500_000, 12_000_000); // bytes per second, an edge link
    for (const art of rel.artifacts) {
      const resumeFrom = partial && partial.version === rel.version && partial.slot === slot ? partial.bytes[art.name] ?? 0 : 0;
      append([{ type: 'DownloadStarted', attempt: a.id, data: { artifact: art.name, url: rel.urls[art.name], bytesExpected: art.bytes, ...(resumeFrom ? { resumeFrom } : {}) } }]);
      phase = 'downloading';
      const last = art.name === 'kubesolo-os.gz';
      const stopAt = last && (plan === 'download-fail' || plan === 'interrupted') ? between(art.bytes / 5, (art.bytes * 4) / 5) : Infinity;
      let have = resumeFrom;
      for (;;) {
        const next = Math.round(have + Math.min(art.bytes / 10, rate * 5));
        if (next >= art.bytes) { now += Math.round(((art.bytes - have) / rate) * 1000); break; }
        now += Math.round(((next - have) / rate) * 1000);
        if (next > stopAt) {
          if (plan === 'interrupted') {
            powerCut([{ type: 'DownloadProgress', attempt: a.id, data: { artifact: art.name, bytes: next } }]);
            return false;
          }
          now += 30 * SEC * 6 + 15_500; // idle timeout, five retries with backoff
          fail(a, 'download', `GET ${rel.urls[art.name]}: the body stalled for 30 s`);
          return false;
        }
        append([{ type: 'DownloadProgress', attempt: a.id, data: { artifact: art.name, bytes: next } }]);
        partial = partial && partial.version === rel.version && partial.slot === slot ? partial : { version: rel.version, slot, bytes: {} };
        partial.bytes[art.name] = next;
        have = next;
      }
      if (last && plan === 'verify-fail') {
        const got = createHash('sha256').update(`${a.id}/${art.name}`).digest('hex');
        fail(a, 'verify', `${art.name}: SHA-256 ${got} does not match latest.json's ${art.sha256}`);
        return false;
      }
      now += between(40, 400);
      append([{ type: 'ArtifactVerified', attempt: a.id, data: { artifact: art.name, bytes: art.bytes, sha256: art.sha256, authenticatedBy: 'metadata-signature' } }]);
    }
    now += between(50, 500);
    slotVersion[slot] = rel.version;
    append([{ type: 'Staged', attempt: a.id, data: { slot, version: rel.version, artifacts: rel.artifacts } }]);
    phase = 'staged';
    partial = null;
    return true;
  };

  const activate = () => {
    const a = current!;
    now += between(1, 8) * SEC;
    append([{ type: 'Intent', attempt: a.id, data: { action: 'activate', slot: a.toSlot } }]);
    env.active = a.toSlot; env.counter = 3; env.success = 0;
    now += 25;
    append([{ type: 'Activated', attempt: a.id, data: { slot: a.toSlot, previousSlot: booted } }]);
    phase = 'activated';
    hcFailures = 0;
    trial = { slot: a.toSlot, boot: bootId, counter: 3 };
  };

  const manualRollback = (reason: string) => {
    const a = current!;
    const target = other(booted);
    const from = env.active;
    now += between(5, 20) * SEC;
    append([{ type: 'Intent', attempt: a.id, data: { action: 'rollback', slot: target, by: 'manual', reason } }]);
    env.active = target; env.counter = 3; env.success = 1;
    now += 30;
    append([{ type: 'RolledBack', attempt: a.id, data: { by: 'manual', reason, fromSlot: from, toSlot: target } }]);
    rollBackState();
    close(a, 'rolled_back', { rollbackBy: 'manual' });
  };

  /** After a rollback the operator sometimes runs apply again while the server still offers that version. */
  const maybeRetryRejected = (rel: Release) => {
    if (chance(0.5)) later(between(6, 30) * HOUR, () => { if (latest === rel && idle()) apply(rel, 'rejected-gate'); });
  };

  const trialBoots = (plan: Plan, rel: Release) => {
    reboot();
    switch (plan) {
      case 'bootloader-inferred': {
        // The new kernel panics before the agent runs, three times; GRUB falls back on the fourth boot.
        while (env.success !== 1) reboot();
        bootHealthcheck(true);
        note(`${rel.version} never came up (kernel panic on every trial boot); GRUB went back to ${runningVersion()} by itself`);
        maybeRetryRejected(rel);
        return;
      }
      case 'bootloader':
      case 'auto': {
        // Every trial boot fails its health check and the watchdog reboots the node: GRUB falls
        // back after three trial boots, unless auto_rollback_after rolls back first (then the
        // operator reboots into the old slot).
        for (;;) {
          bootHealthcheck(false);
          if (phase === 'rolled_back') {
            later(between(20, 90) * MIN, () => plainReboot(null));
            break;
          }
          now += between(10, 40) * MIN;
          reboot();
          if (env.success === 1) { bootHealthcheck(true); break; }
        }
        maybeRetryRejected(rel);
        return;
      }
      case 'manual': {
        bootHealthcheck(false);
        later(between(20, 120) * MIN, () => {
          manualRollback(pick(['kube-system pods crash-looping after the update', 'coredns crash loop on the new release', 'workloads fail to schedule on the new release']));
          later(between(5, 30) * MIN, () => plainReboot(null));
          later(between(2, 6) * HOUR, () => note(`rolled back ${rel.version}; reported upstream`));
          maybeRetryRejected(rel);
        });
        return;
      }
      case 'regression': {
        bootHealthcheck(true);
        later(between(3, 9) * DAY, () => {
          if (phase !== 'success' || booted !== env.active) return note(`regression in ${rel.version} noticed; no rollback (node busy)`);
          manualRollback(`regression in ${rel.version}: ${pick(['NFS mounts hang', 'ingress drops long-lived connections', 'clock drift after suspend'])}`);
          later(between(10, 60) * MIN, () => plainReboot(null));
        });
        return;
      }
      default:
        bootHealthcheck(true);
    }
  };

  /** The operator's monthly update: apply, activate, reboot in the evening. */
  const monthly = (rel: Release, plan: Plan) => {
    if (!idle()) {
      later(DAY, () => monthly(rel, plan));
      return;
    }
    if (latest !== rel) return; // a newer release came out meanwhile; that month applies it
    if (chance(0.04)) {
      append([{ type: 'UpdateDeferred', data: { reason: pick(['outside the maintenance window 01:00-05:00', 'node kubesolo-edge-07 has the label updates.kubesolo.io/block=true']) } }]);
      counts.deferred++;
      later(between(1, 3) * DAY, () => monthly(rel, plan));
      return;
    }
    if (!apply(rel, plan)) {
      if (plan === 'download-fail' || plan === 'interrupted' || plan === 'verify-fail') {
        later(between(18, 60) * HOUR, () => monthly(rel, 'success'));
      }
      return;
    }
    if (plan === 'superseded') {
      later(between(1, 3) * DAY, () => note(`${rel.version} staged; activation postponed (customer freeze)`));
      return;
    }
    later(between(5, 240) * MIN, () => {
      if (booted !== env.active || phase !== 'staged' || current!.toVersion !== rel.version) return;
      activate();
      later(between(2, 90) * MIN, () => trialBoots(plan, rel));
    });
  };

  // ---- the years ----
  const notes = [
    'replaced the SD card', 'moved to rack 3', 'site power maintenance tonight', 'UPS battery replaced',
    'fan replaced after overheating alarm', 'firmware of the NIC updated', 'cluster certificates rotated',
    'migrated workloads to the new namespace layout', 'disk usage reviewed: fine', 'quarterly audit: log verified',
  ];
  append([{ type: 'OperatorNote', data: { text: 'node installed with v1.0.0 on slot A' } }]);
  counts.notes++;
  append([{ type: 'BootObserved', data: { slot: 'A', bootCounter: 3, bootSuccess: 1, versions: { A: 'v1.0.0' } } }]);
  counts.boots++;
  latest = release('v1.0.0', 'stable', 0);

  // The check timer.
  const tick = (base: number) => {
    if (base >= end) return;
    at(base + rc(jitter), check);
    at(base + checkEvery, () => tick(base + checkEvery));
  };
  tick(start + checkEvery);

  // Releases and the operator's monthly attempts; the kinds of month by a seeded draw.
  const months = Math.floor((end - start) / MONTH);
  const rollbackPlans: Plan[] = ['bootloader', 'bootloader-inferred', 'manual', 'regression'];
  for (let k = 1; k <= months; k++) {
    const monthStart = start + (k - 1) * MONTH;
    const year = Math.floor((k - 1) / 12);
    const version = `v${1 + Math.floor(k / 12)}.${k % 12}.0`;
    const publishAt = monthStart + between(2, 8) * DAY + between(8, 17) * HOUR;
    const x = uniform();
    let plan: Plan =
      x < 0.05 ? 'download-fail' : x < 0.07 ? 'verify-fail' : x < 0.09 ? 'superseded' : x < 0.11 ? 'channel-gate'
        : x < 0.17 ? pick(rollbackPlans) : x < 0.20 ? (year >= 3 ? 'auto' : 'bootloader') : 'success';
    // Every kind at least once, whatever the seed draws.
    const forced: Record<number, Plan> = {
      10: 'manual', 17: 'verify-fail', 20: 'bootloader', 29: 'interrupted', 40: 'auto', 41: 'bootloader-inferred',
      42: 'regression', 52: 'superseded', 64: 'channel-gate', 70: 'download-fail',
    };
    plan = forced[k] ?? plan;
    const rel = release(version, 'stable', k);
    if (plan === 'channel-gate') {
      // A release candidate is published to the stable server by mistake for a day.
      const rc = release(`${version}-rc.1`, 'beta', k);
      at(publishAt - 2 * DAY, () => { latest = rc; counts.releases++; });
      at(publishAt - 2 * DAY + between(1, 6) * HOUR, () => { if (latest === rc && idle()) apply(rc, 'channel-gate'); });
      plan = 'success';
    }
    at(publishAt, () => { latest = rel; counts.releases++; });
    const applyAt = publishAt + between(1, 5) * DAY;
    const day = Math.floor((applyAt - start) / DAY) * DAY + start;
    at(day + between(9, 16) * HOUR + between(0, 59) * MIN, () => monthly(rel, plan));
  }
  // Year four: the operator turns on automatic rollback.
  at(start + 3 * YEAR + 10 * DAY, () => { autoAfter = 2; note('update.conf: auto_rollback_after=2'); });

  // Reboots in between (power cuts, maintenance), and notes.
  for (let t = start + between(10, 60) * DAY; t < end - 20 * DAY; t += between(20, 75) * DAY) {
    at(t, () => {
      if (idle()) plainReboot(chance(0.3) ? pick(['maintenance reboot', 'reboot after the site power cut', 'reboot: kernel soft lockup']) : null);
    });
  }
  // A power cut in the middle of writing a check's record (year seven).
  const tornCheck = () => {
    if (!idle()) return later(DAY, tornCheck);
    now += between(1, 60) * SEC;
    powerCut([{ type: 'UpdateChecked', data: { current: runningVersion(), latest: latest!.version, available: false } }]);
  };
  at(start + 6.6 * YEAR, tornCheck);
  for (let t = start + between(20, 90) * DAY; t < end - 5 * DAY; t += between(40, 120) * DAY) at(t, () => note(pick(notes)));

  // Run the agenda: each action at its time, or later when the one before it held the lock longer.
  while (agenda.size > 0) {
    const next = agenda.pop();
    now = Math.max(now + 1 + rc(40), next.at);
    next.fn();
  }
  const lastSeq = w.lastSeq;
  const head = w.head;
  w.close();
  if (lastSeq !== events) throw new Error(`generator bug: wrote ${events} events, the log says ${lastSeq}`);
  if (booted !== env.active || env.success !== 1) throw new Error('generator bug: the node ends with a switch pending');
  const segs = listSegments(nodeFs, eventsDir);
  return {
    dataDir, events, lastSeq, head, segments: segs.length, bytes: segs.reduce((n, s) => n + statSync(s.path).size, 0),
    firstAt: start, lastAt, attempts, counts,
    final: {
      bootId, booted, version: runningVersion(), slots: { ...slotVersion }, phase,
      toVersion: current ? (current as ExpectedAttempt).toVersion : null, attemptCount, rejected: [...rejected],
    },
  };
}

/**
 * The node's sandbox at the end of the years, for `--root`: grubenv, the kernel command line and
 * the boot id of the last boot, and the slots' version files. Readers then see no warnings, and a
 * writer (rebuild) finds nothing to reconcile: no new boot, no pending intent.
 */
export function writeNodeRoot(root: string, y: YearsLog): void {
  mkdirSync(join(root, 'boot/grub'), { recursive: true });
  writeFileSync(join(root, 'boot/grub/grubenv'), setAll(emptyGrubenv(), { active_slot: y.final.booted, boot_counter: 3, boot_success: 1, ab_select_version: SCRIPT_VERSION }));
  mkdirSync(join(root, 'proc/sys/kernel/random'), { recursive: true });
  writeFileSync(join(root, 'proc/cmdline'), `console=ttyS0 kubesolo.slot=${y.final.booted} kubesolo.data=LABEL=KSOLODATA\n`);
  writeFileSync(join(root, 'proc/sys/kernel/random/boot_id'), `${y.final.bootId}\n`);
  for (const s of ['A', 'B'] as const) {
    mkdirSync(join(root, 'slots', s), { recursive: true });
    const v = y.final.slots[s];
    if (v) writeFileSync(join(root, 'slots', s, 'version'), `${v}\n`);
  }
}
