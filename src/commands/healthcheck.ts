import { crashPoint } from '../../events/crashPoint.js';
import type { CheckResult, NewEvent } from '../../events/types.js';
import { systemClock } from '../../events/systemClock.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { slotStore } from '../boot/facts.js';
import { setAll } from '../boot/grubenv.js';
import { readGrubenvFile, writeGrubenvFile } from '../boot/grubenvFile.js';
import { bootable, other } from '../boot/slots.js';
import { loadConfig, setting } from '../config/load.js';
import { EXIT, usage } from '../errors.js';
import { CHECK_NAMES } from '../health/checks.js';
import { runChecks } from '../health/runner.js';
import type { Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';
import { withWriter } from './openLog.js';

function report(results: CheckResult[]): string {
  return results.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(14)} ${r.ms} ms${r.detail ? `  ${r.detail}` : ''}`).join('\n');
}

export const healthcheck: Command = {
  name: 'healthcheck',
  summary: 'run the health checks; on a slot on trial, mark it good or count the failure',
  usage: 'healthcheck [--checks a,b] [--check-command CMD]... [--healthcheck-url URL] [--timeout S] [--auto-rollback-after N]',
  help: `Runs the health checks, retrying what fails until --timeout (default 120 s) runs out:
${CHECK_NAMES.map((n) => `  ${n}`).join('\n')}
Default set: containerd, apiserver, node-ready, kube-system, disk-writable, plus probe-url when
healthcheck_url is set and command when check_command is. Settings come from flags, update.conf or
defaults ('kubesolo-update config' shows them).

On an attempt on trial, booted into its slot: a pass marks the boot good (grubenv
boot_success=1) and ends the attempt as success; a failure is counted (the phase stays
activated) and, at --auto-rollback-after N consecutive failures, GRUB is pointed back at the
previous slot (RolledBack by "auto"; no reboot). On a stable system a pass or failure is recorded
and nothing else changes. The boot-time unit runs it with --wait so a running writer does not
make it fail.

Exit codes: 0 healthy · 1 a check failed · 2 bad flag or setting · 75 busy.`,
  options: CONFIG_OPTIONS,
  async run({ values }, ctx) {
    const conf = loadConfig(ctx.paths.conf, values);
    for (const w of conf.warnings) ctx.warn(`warning: ${w}`);
    const url = setting<string | null>(conf, 'healthcheck_url');
    const commands = setting<string[]>(conf, 'check_command');
    const names = [...new Set([...setting<string[]>(conf, 'checks'), ...(url ? ['probe-url'] : []), ...(commands.length ? ['command'] : [])])];
    const unknown = names.filter((n) => !CHECK_NAMES.includes(n));
    if (unknown.length) throw usage(`unknown check ${unknown.map((u) => JSON.stringify(u)).join(', ')}; checks are ${CHECK_NAMES.join(', ')}`);
    const timeoutS = setting<number>(conf, 'timeout');
    const autoAfter = setting<number>(conf, 'auto_rollback_after');
    return withWriter(ctx, async (log, state) => {
      const l = state.projections.lifecycle;
      const booted = readBootedSlot(ctx.paths.cmdline);
      const onTrial = (l.phase === 'activated' || l.phase === 'verifying') && l.trial !== null && booted === l.trial.slot;
      const attempt = onTrial ? l.attemptId ?? 'migrated' : undefined;
      if (onTrial) await log.append([{ type: 'HealthcheckStarted', attempt, data: {} }]);
      const results = await runChecks(names, {
        dataDir: ctx.paths.dataDir, root: ctx.paths.root, healthcheckUrl: url, commands,
        timeoutMs: Math.min(30_000, timeoutS * 1000), now: systemClock,
      }, { deadlineMs: timeoutS * 1000, now: systemClock, retryDelayMs: Math.min(2000, timeoutS * 250) });
      const ok = results.every((r) => r.ok);
      let markedGood = false;
      let rolledBack: string | null = null;
      const failures = onTrial ? l.healthCheckFailures + 1 : 1;
      if (ok && onTrial) {
        const block = readGrubenvFile(ctx.paths.grubenv);
        await log.append([{ type: 'Intent', attempt, data: { action: 'mark-good', slot: l.trial!.slot } }]);
        crashPoint('healthcheck.after-intent');
        writeGrubenvFile(ctx.paths.grubenv, setAll(block, { boot_success: 1 }, ctx.paths.grubenv));
        crashPoint('healthcheck.after-grubenv');
        markedGood = true;
      }
      const outcome: NewEvent = ok
        ? { type: 'HealthcheckPassed', attempt, data: { checks: results, markedGood } }
        : { type: 'HealthcheckFailed', attempt, data: { checks: results, consecutiveFailures: failures } };
      await log.append([outcome]);
      if (!ok && onTrial && autoAfter > 0 && failures >= autoAfter) rolledBack = await autoRollback();
      const summary = ok
        ? `healthy${markedGood ? `: slot ${l.trial!.slot} marked good; the update to ${l.toVersion ?? '?'} succeeded` : ''}`
        : `unhealthy${onTrial ? ` (${failures} consecutive failure${failures > 1 ? 's' : ''} on trial)` : ''}${rolledBack ? `; ${rolledBack}` : ''}`;
      ctx.out(ctx.json
        ? JSON.stringify({ ok, on_trial: onTrial, marked_good: markedGood, consecutive_failures: ok ? 0 : failures, rolled_back: rolledBack !== null, checks: results })
        : `${report(results)}\n${summary}`);
      return ok ? EXIT.OK : EXIT.FAILED;

      async function autoRollback(): Promise<string> {
        const store = slotStore(ctx);
        const target = other(l.trial!.slot);
        const t = await bootable(store, target, state.projections.node.stagedArtifacts[target]);
        if (!t.ok) {
          ctx.warn(`not rolling back automatically: slot ${target} is not bootable: ${t.reason}`);
          return `no automatic rollback: slot ${target} is not bootable`;
        }
        const block = readGrubenvFile(ctx.paths.grubenv);
        const reason = `${failures} consecutive failed health checks`;
        await log.append([{ type: 'Intent', attempt, data: { action: 'rollback', slot: target, by: 'auto', reason } }]);
        crashPoint('auto-rollback.after-intent');
        writeGrubenvFile(ctx.paths.grubenv, setAll(block, { active_slot: target, boot_counter: 3, boot_success: 1 }, ctx.paths.grubenv));
        crashPoint('auto-rollback.after-grubenv');
        await log.append([{ type: 'RolledBack', attempt, data: { by: 'auto', reason, fromSlot: l.trial!.slot, toSlot: target } }]);
        return `rolled back to slot ${target} (boots next; nothing was rebooted)`;
      }
    });
  },
};

