import { crashPoint } from '../../events/crashPoint.js';
import { systemClock } from '../../events/systemClock.js';
import { setting } from '../config/load.js';
import { currentVersion, decideApplyStart, decideRelease, decideWindow } from '../domain/apply.js';
import { highestSerial } from '../domain/authenticity.js';
import { lostHistoryRefusal } from '../domain/loss.js';
import { isRefusal } from '../domain/plan.js';
import { unacceptedLosses } from '../../projections/node.js';
import { localMinute, parseWindow } from '../domain/window.js';
import { slotStore } from '../boot/slots.js';
import { AgentError, EXIT, Interrupted, usage } from '../errors.js';
import { withSession } from '../session/writer.js';
import { fetchOffer } from '../update/fetchOffer.js';
import { nodeBlockedBy } from '../update/nodeBlock.js';
import { stage, StageFailed } from '../update/stage.js';
import type { Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';
import { progressReporter } from './progress.js';
import { updateSettings } from './updateSettings.js';

export const apply: Command = {
  name: 'apply',
  usage: 'apply [--server URL] [--force] [--allow-downgrade] [--allow-rejected] [--progress json] [...]',
  help: `Installs the release the server offers into the passive slot, without activating it:
  0. a lost log range nobody has acknowledged (LogLost without 'repair --accept-loss'): refused,
     UpdateDeferred, exit 3 — --force does not skip it
  1. the maintenance window (before any network; closed → UpdateDeferred, exit 3; --force skips it)
  2. the node-block pre-flight (label updates.kubesolo.io/block=true, via kubectl; skipped
     without a kubeconfig, which it says; --force skips it)
  3. the slot to write: never the booted one, never grubenv's active_slot, never the fallback of
     a trial, never with grubenv missing or incomplete (each UpdateDeferred, exit 3)
  4. latest.json fetched, validated, authenticated; with a public key it must be signed (a failure
     is UpdateChecked {error}, exit 1)
  5. the same version as the running one: "already up to date", exit 0, no attempt
  6. AttemptStarted, then the gates: channel, architecture, minimum compatible version,
     downgrade (--allow-downgrade), rejected by an earlier rollback by version or by the same
     bytes (--allow-rejected), free space for the artifacts + 10 % — each refusal
     AttemptFailed {step: "gate"}, exit 3
  7. each artifact streamed through SHA-256 into the slot (its version file removed first and
     written last), resumed with Range after an interruption, retried on transient errors, then
     Staged with the hashes. Run 'kubesolo-update activate' next.

  --progress json   JSON Lines progress on stdout (a bar is drawn on a terminal; silent otherwise)

SIGINT or SIGTERM never cuts a step: apply stops between a download's chunks (the bytes on disk
are synced and recorded, so the next apply resumes with Range) or between steps, and records
AttemptFailed {step: "interrupted", signal} if the attempt was checking or downloading.

Exit codes: 0 staged or up to date · 1 download/verify/server failure · 3 refused (window, gate,
trial or pending switch, grubenv, node blocked, lost history) · 75 busy · 130/143 stopped by SIGINT/SIGTERM.`,
  options: { ...CONFIG_OPTIONS, force: { type: 'boolean' }, 'allow-rejected': { type: 'boolean' }, progress: { type: 'string' } },
  async run({ values }, ctx) {
    const { conf, source, key, gates, allowLegacy, idleMs } = updateSettings(ctx, values);
    const force = values.force === true;
    const raw = setting<string | null>(conf, 'maintenance_window');
    const parsed = raw ? parseWindow(raw) : null;
    if (parsed && 'error' in parsed) throw usage(parsed.error);
    if (values.progress !== undefined && values.progress !== 'json') throw usage('--progress takes json');
    return withSession(ctx, async (s) => {
      const now = s.facts.now;
      const when = { window: parsed && raw ? { raw, window: parsed } : null, minute: localMinute(now, new Date(now).getTimezoneOffset()), force };
      const lost = lostHistoryRefusal(unacceptedLosses(s.state.node));
      if (lost) return s.refuse(lost);
      const closed = decideWindow(when);
      if (closed) return s.refuse(closed);
      const t = decideApplyStart(s.facts, { ...when, blockedBy: force ? null : nodeBlockedBy(ctx.warn) }, unacceptedLosses(s.state.node));
      if (isRefusal(t)) return s.refuse(t);
      const fetched = await s.untilStopped(fetchOffer(source, key, idleMs, gates.arch)).catch(async (err) => {
        if (err instanceof Interrupted) throw err;
        const error = (err as Error).message;
        await s.append([{ type: 'UpdateChecked', data: { current: currentVersion(s.state, s.facts) ?? '', available: false, error } }]);
        throw err instanceof AgentError ? err : new AgentError('FAILED', error);
      });
      const r = fetched.release;
      const d = decideRelease(s.state, s.facts, t.target, { release: r, url: fetched.url, signed: fetched.signed, statement: fetched.statement, keyConfigured: key !== null },
        gates, { now, highestSerial: highestSerial(s.state.node, fetched.statement), allowLegacy });
      if (isRefusal(d)) return s.refuse(d);
      await s.checkpoint();
      await s.append(d.events);
      if ('upToDate' in d) {
        ctx.out(ctx.json ? JSON.stringify({ staged: false, up_to_date: true, version: d.upToDate }) : `already up to date (${d.upToDate})`);
        return EXIT.OK;
      }
      if ('alreadyStaged' in d) {
        ctx.out(ctx.json ? JSON.stringify({ staged: true, slot: d.alreadyStaged, version: r.version, already: true }) : `${r.version} is already staged in slot ${d.alreadyStaged}; run 'kubesolo-update activate'`);
        return EXIT.OK;
      }
      crashPoint('apply.after-started');
      const partial = s.state.lifecycle.partial;
      const progress = progressReporter(ctx, values.progress === 'json');
      const artifacts = await stage({
        store: slotStore(ctx.paths.root, ctx.slots), slot: d.target, release: r, attempt: d.attempt, signed: fetched.signed,
        resume: partial && partial.version === r.version && partial.slot === d.target ? partial.bytes : {},
        idleMs, retries: setting<number>(conf, 'http_retries'), now: systemClock, authorize: fetched.authorize,
        record: (events) => s.append(events), progress, stop: s.stop, checkpoint: () => s.checkpoint(),
      }).catch(async (err) => {
        if (!(err instanceof StageFailed)) throw err;
        await s.append([{ type: 'AttemptFailed', attempt: d.attempt, data: { step: err.step, error: err.message, ...(err.gate ? { gate: err.gate } : {}) } }]);
        throw new AgentError(err.step === 'gate' ? 'REFUSED' : 'FAILED', err.message);
      });
      progress.done();
      await s.append([{ type: 'Staged', attempt: d.attempt, data: { slot: d.target, version: r.version, artifacts } }]);
      ctx.out(ctx.json
        ? JSON.stringify({ staged: true, slot: d.target, version: r.version, attempt: d.attempt, artifacts })
        : `${r.version} staged in slot ${d.target}; run 'kubesolo-update activate' to boot it next (on trial).`);
      return EXIT.OK;
    }, { facts: () => ({ versions: true }) });
  },
};
