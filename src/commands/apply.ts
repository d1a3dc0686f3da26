import type { KeyObject } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crashPoint } from '../../events/crashPoint.js';
import { fsyncDir, nodeFs } from '../../events/logFs.js';
import type { EventLog } from '../../events/log.js';
import type { ArtifactRecord, Slot } from '../../events/types.js';
import { systemClock } from '../../events/systemClock.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { readEnv, slotStore } from '../boot/facts.js';
import { other } from '../boot/slots.js';
import { setting, type Config } from '../config/load.js';
import { AgentError, EXIT, usage } from '../errors.js';
import type { Loaded } from '../persist/store.js';
import { download } from '../update/download.js';
import { checkSignature, fetchRelease, type Fetched } from '../update/fetchRelease.js';
import { compareVersions } from '../update/version.js';
import { inWindow, localMinute, parseWindow } from '../update/window.js';
import type { CliContext, Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';
import { currentVersion, gatesFor, updateSettings } from './check.js';
import { withWriter } from './openLog.js';
import { progressReporter } from './progress.js';

/** Free bytes where the slot's files go, counting the old artifacts that will be replaced. */
function freeFor(dir: string): number {
  const s = statfsSync(dir);
  let reclaim = 0;
  for (const n of ['vmlinuz', 'kubesolo-os.gz']) if (existsSync(join(dir, n))) reclaim += statSync(join(dir, n)).size;
  return s.bavail * s.bsize + reclaim;
}

export const apply: Command = {
  name: 'apply',
  summary: 'download, verify and stage the offered release into the passive slot',
  usage: 'apply [--server URL] [--force] [--allow-downgrade] [--allow-rejected] [--progress json] [...]',
  help: `Installs the release the server offers into the passive slot, without activating it:
  1. the maintenance window (before any network; closed → UpdateDeferred, exit 3; --force skips it)
  2. the node-block pre-flight (label updates.kubesolo.io/block=true, via kubectl; skipped
     without a kubeconfig, which it says; --force skips it)
  3. refuses while a slot switch is pending (exit 3)
  4. latest.json fetched, validated, authenticated (a failure is UpdateChecked {error}, exit 1)
  5. the same version as the running one: "already up to date", exit 0, no attempt
  6. AttemptStarted, then the gates: channel, architecture, minimum compatible version,
     downgrade (--allow-downgrade), rejected by an earlier rollback (--allow-rejected), free space
     for the artifacts + 10 % — each refusal AttemptFailed {step: "gate"}, exit 3
  7. each artifact streamed through SHA-256 into the slot (its version file removed first and
     written last), resumed with Range after an interruption, retried on transient errors, then
     Staged with the hashes. Run 'kubesolo-update activate' next.

  --progress json   JSON Lines progress on stdout (a bar is drawn on a terminal; silent otherwise)

Exit codes: 0 staged or up to date · 1 download/verify/server failure · 3 refused (window, gate,
pending switch, node blocked) · 75 busy.`,
  options: { ...CONFIG_OPTIONS, force: { type: 'boolean' }, 'allow-rejected': { type: 'boolean' }, progress: { type: 'string' } },
  async run({ values }, ctx) {
    const { conf, server, key, idleMs } = updateSettings(ctx, values);
    const force = values.force === true;
    const windowRaw = setting<string | null>(conf, 'maintenance_window');
    const window = windowRaw ? parseWindow(windowRaw) : null;
    if (window && 'error' in window) throw usage(window.error);
    if (values.progress !== undefined && values.progress !== 'json') throw usage('--progress takes json');
    return withWriter(ctx, async (log, state) => {
      const now = systemClock();
      if (window && !force && !inWindow(window, localMinute(now, new Date(now).getTimezoneOffset()))) {
        await log.append([{ type: 'UpdateDeferred', data: { reason: `outside the maintenance window ${windowRaw}` } }]);
        throw new AgentError('REFUSED', `outside the maintenance window ${windowRaw}; --force applies anyway`);
      }
      if (!force) await nodeBlock(ctx, log);
      const booted = readBootedSlot(ctx.paths.cmdline);
      if (!booted) throw new AgentError('REFUSED', 'the booted slot is unknown (no kubesolo.slot= on the kernel command line); refusing to write a slot');
      const env = readEnv(ctx);
      if (env && env.active_slot !== booted) {
        await log.append([{ type: 'UpdateDeferred', data: { reason: `a switch to slot ${env.active_slot} is pending` } }]);
        throw new AgentError('REFUSED', `a switch to slot ${env.active_slot} is pending (it boots next); reboot or roll back first — applying now would overwrite it`);
      }
      if (!key) ctx.warn('warning: no public key configured (pubkey=): the authenticity of updates is not checked');
      const current = await currentVersion(ctx, state);
      let fetched: Fetched;
      try {
        fetched = await fetchRelease(server, key, idleMs);
      } catch (err) {
        await log.append([{ type: 'UpdateChecked', data: { current: current ?? '', available: false, error: (err as Error).message } }]);
        throw err;
      }
      const r = fetched.release;
      if (current !== null && compareVersions(r.version, current) === 0) {
        await log.append([{ type: 'UpdateChecked', data: { current, latest: r.version, available: false } }]);
        ctx.out(ctx.json ? JSON.stringify({ staged: false, up_to_date: true, version: current }) : `already up to date (${current})`);
        return EXIT.OK;
      }
      const l = state.projections.lifecycle;
      if (l.phase === 'staged' && l.toVersion === r.version && l.toSlot === other(booted)) {
        await log.append([{ type: 'UpdateChecked', data: { current: current ?? '', latest: r.version, available: true } }]);
        ctx.out(ctx.json ? JSON.stringify({ staged: true, slot: l.toSlot, version: r.version, already: true }) : `${r.version} is already staged in slot ${l.toSlot}; run 'kubesolo-update activate'`);
        return EXIT.OK;
      }
      return stageRelease(ctx, log, state, fetched, { booted, current, key, conf, idleMs, values });
    });
  },
};

async function nodeBlock(ctx: CliContext, log: EventLog): Promise<void> {
  const kubeconfig = process.env.KUBECONFIG ?? join(process.env.HOME ?? '/root', '.kube/config');
  if (!existsSync(kubeconfig)) {
    ctx.warn(`note: node-block pre-flight skipped: no kubeconfig (${kubeconfig})`);
    return;
  }
  const { spawnSync } = await import('node:child_process');
  const node = (process.env.NODE_NAME ?? (await import('node:os')).hostname()).toLowerCase();
  const r = spawnSync('kubectl', ['get', 'node', node, '-o', 'jsonpath={.metadata.labels.updates\\.kubesolo\\.io/block}'], { encoding: 'utf8', timeout: 15_000 });
  if (r.status !== 0) {
    ctx.warn(`note: node-block pre-flight skipped: kubectl could not read node ${node}: ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`);
    return;
  }
  if (r.stdout.trim() === 'true') {
    await log.append([{ type: 'UpdateDeferred', data: { reason: `node ${node} has the label updates.kubesolo.io/block=true` } }]);
    throw new AgentError('REFUSED', `node ${node} is blocked by the label updates.kubesolo.io/block=true; --force applies anyway`);
  }
}

async function stageRelease(ctx: CliContext, log: EventLog, state: Loaded, fetched: Fetched,
  o: { booted: Slot; current: string | null; key: KeyObject | null; conf: Config; idleMs: number; values: Record<string, unknown> }): Promise<number> {
  const r = fetched.release;
  const slot = other(o.booted);
  const attempt = `${systemClock().toString(36)}-${process.pid.toString(36)}`.toUpperCase();
  const conf = o.conf;
  await log.append([
    { type: 'AttemptStarted', attempt, data: { fromVersion: o.current ?? '', fromSlot: o.booted, toVersion: r.version, toSlot: slot, source: fetched.url } },
    { type: 'MetadataFetched', attempt, data: {
      version: r.version, ...(r.channel ? { channel: r.channel } : {}), ...(r.architecture ? { architecture: r.architecture } : {}),
      ...(r.minCompatibleVersion ? { minCompatibleVersion: r.minCompatibleVersion } : {}),
      artifacts: r.artifacts.map((a) => ({ name: a.name, sha256: a.sha256, bytes: a.size ?? 0 })), signed: fetched.signed } },
  ]);
  crashPoint('apply.after-started');
  const fail = async (step: string, error: string, gate?: string) => {
    await log.append([{ type: 'AttemptFailed', attempt, data: { step, error, ...(gate ? { gate } : {}) } }]);
    return new AgentError(gate ? 'REFUSED' : 'FAILED', error);
  };
  const gates = gatesFor(r, conf, o.values, o.current, state);
  const refused = gates.find((g) => !g.ok);
  if (refused) throw await fail('gate', refused.reason!, refused.gate);
  const partial = state.projections.lifecycle.partial;
  const progress = progressReporter(ctx, o.values.progress === 'json');
  const artifacts: ArtifactRecord[] = [];
  try {
    await slotStore(ctx).withDir(slot, 'rw', async (dir) => {
      const need = r.artifacts.reduce((n, a) => n + (a.size ?? 0), 0);
      if (need > 0 && freeFor(dir) < need * 1.1) throw await fail('gate', `slot ${slot} has ${freeFor(dir)} bytes free; the release needs ${need} + 10 %`, 'free_space');
      // Crash case: from here until the version file is written again, the slot is not bootable.
      rmSync(join(dir, 'version'), { force: true });
      fsyncDir(nodeFs, dir);
      crashPoint('apply.after-version-removed');
      for (const a of r.artifacts) {
        const resumeFrom = partial && partial.version === r.version && partial.slot === slot ? partial.bytes[a.name] ?? 0 : 0;
        await log.append([{ type: 'DownloadStarted', attempt, data: { artifact: a.name, url: a.url, ...(a.size !== null ? { bytesExpected: a.size } : {}), ...(resumeFrom ? { resumeFrom } : {}) } }]);
        const got = await download({
          url: a.url, path: join(dir, a.name), idleMs: o.idleMs, resumeFrom, expected: a.size, now: systemClock,
          retries: setting<number>(conf, 'http_retries'),
          onDurable: async (bytes) => { await log.append([{ type: 'DownloadProgress', attempt, data: { artifact: a.name, bytes } }]); crashPoint('apply.after-progress'); },
          onBytes: (bytes, total) => progress(a.name, bytes, total),
        });
        crashPoint('apply.after-download');
        if (got.sha256 !== a.sha256) throw await fail('verify', `${a.name}: SHA-256 ${got.sha256} does not match latest.json's ${a.sha256}`);
        let authenticatedBy: 'metadata-signature' | 'artifact-signature' | 'none' = fetched.signed ? 'metadata-signature' : 'none';
        if (o.key && !fetched.signed) {
          // Unsigned metadata with a key: the artifact's own signature must vouch for it (whole file in memory).
          await checkSignature(a.sigUrl!, readFileSync(join(dir, a.name)), o.key, a.name, o.idleMs)
            .catch(async (err) => { throw await fail('verify', (err as Error).message); });
          authenticatedBy = 'artifact-signature';
        }
        await log.append([{ type: 'ArtifactVerified', attempt, data: { artifact: a.name, bytes: got.bytes, sha256: got.sha256, authenticatedBy } }]);
        artifacts.push({ name: a.name, sha256: got.sha256, bytes: got.bytes });
      }
      writeFileSync(join(dir, 'version'), `${r.version}\n`);
      const vfd = openSync(join(dir, 'version'), 'r');
      try { fsyncSync(vfd); } finally { closeSync(vfd); }
      fsyncDir(nodeFs, dir);
      crashPoint('apply.after-version-written');
    });
  } catch (err) {
    if (err instanceof AgentError && (err.code === 'REFUSED' || /SHA-256|signature/.test(err.message))) throw err;
    throw await fail('download', (err as Error).message);
  }
  progress.done();
  await log.append([{ type: 'Staged', attempt, data: { slot, version: r.version, artifacts } }]);
  ctx.out(ctx.json
    ? JSON.stringify({ staged: true, slot, version: r.version, attempt, artifacts })
    : `${r.version} staged in slot ${slot}; run 'kubesolo-update activate' to boot it next (on trial).`);
  return EXIT.OK;
}
