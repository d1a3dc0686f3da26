import type { CheckResult } from '../../events/types.js';
import { systemClock } from '../../events/systemClock.js';
import { loadConfig, setting, whereOf } from '../config/load.js';
import { other } from '../domain/facts.js';
import { healthcheckOutcome, healthcheckStarted, healthMode } from '../domain/healthcheck.js';
import { byRule } from '../domain/rules.js';
import { AgentError, EXIT, usage } from '../errors.js';
import { CHECK_NAMES } from '../health/checks.js';
import { runChecks } from '../health/runner.js';
import { withSession } from '../session/writer.js';
import type { Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';

function report(results: CheckResult[]): string {
  return results.map((r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(14)} ${r.ms} ms${r.detail ? `  ${r.detail}` : ''}`).join('\n');
}

export const healthcheck: Command = {
  name: 'healthcheck',
  usage: 'healthcheck [--checks a,b] [--check-command CMD]... [--healthcheck-url URL] [--timeout S] [--auto-rollback-after N]',
  help: `Runs the health checks, retrying what fails until --timeout (default 120 s) runs out:
${CHECK_NAMES.map((n) => `  ${n}`).join('\n')}
Default set: containerd, apiserver, node-ready, kube-system, disk-writable, plus probe-url when
healthcheck_url is set and command when check_command is. Settings come from flags, update.conf or
defaults ('kubesolo-update config' shows them). An empty set is a configuration error (exit 2):
a trial passes only on evidence. Each check runs in its own process group, killed with everything
it started at its time limit.

On the slot on trial (grubenv boot_success=0 for the booted slot): a pass marks the boot good
(boot_success=1) and ends the attempt as success; a failure is counted (the phase stays activated)
and, at --auto-rollback-after N consecutive failures, GRUB is pointed back at the verified
fallback (RolledBack by "auto"; no reboot). On a stable system a pass or failure is recorded and
nothing else changes. Under a GRUB script that is not ours (no ab_select_version in grubenv), a
pass also marks the booted slot good as the Go agent did, so the node does not flip. The
boot-time unit runs it with --wait so a running writer does not make it fail.

SIGINT or SIGTERM stops it without cutting a grubenv write: during the checks, the trial goes
back to activated with nothing counted (HealthcheckFailed {interrupted, signal}); the next
healthcheck decides.

Exit codes: 0 healthy · 1 a check failed, or marking the boot good failed (recorded) · 2 bad flag
or setting, or no check to run · 3 the trial cannot be marked good (grubenv missing) · 75 busy ·
130/143 stopped by SIGINT/SIGTERM.`,
  options: CONFIG_OPTIONS,
  async run({ values }, ctx) {
    const conf = loadConfig(ctx.paths.conf, values);
    for (const w of conf.warnings) ctx.warn(`warning: ${w}`);
    const url = setting<string | null>(conf, 'healthcheck_url');
    const commands = setting<string[]>(conf, 'check_command');
    const names = [...new Set([...setting<string[]>(conf, 'checks'), ...(url ? ['probe-url'] : []), ...(commands.length ? ['command'] : [])])];
    const unknown = names.filter((n) => !CHECK_NAMES.includes(n));
    if (unknown.length) throw usage(`unknown check ${unknown.map((u) => JSON.stringify(u)).join(', ')}; checks are ${CHECK_NAMES.join(', ')}`);
    if (names.length === 0) {
      throw usage(`no health check to run: checks is empty (${whereOf(conf, 'checks')}) and neither healthcheck_url nor check_command is set; a trial passes only on evidence ${byRule('evidence')} — name at least one, e.g. checks=disk-writable`);
    }
    const timeoutS = setting<number>(conf, 'timeout');
    const autoAfter = setting<number>(conf, 'auto_rollback_after');
    return withSession(ctx, async (s) => {
      const mode = healthMode(s.state, s.facts);
      await s.append(healthcheckStarted(mode));
      // A signal ends the wait for the checks (their process groups are killed at exit).
      const results = await s.untilStopped(runChecks(names, {
        dataDir: ctx.paths.dataDir, root: ctx.paths.root, healthcheckUrl: url, commands,
        timeoutMs: Math.min(30_000, timeoutS * 1000), now: systemClock,
      }, { deadlineMs: timeoutS * 1000, now: systemClock, retryDelayMs: Math.min(2000, timeoutS * 250) }));
      const ok = results.every((r) => r.ok);
      // An automatic rollback needs the fallback's bytes checked against what was verified.
      if (!ok && mode.kind === 'trial' && autoAfter > 0) await s.readSlots({ hash: [other(mode.slot)] });
      const o = healthcheckOutcome(s.state, s.facts, mode, results, autoAfter);
      if (o.rollback && 'refused' in o.rollback) ctx.warn(o.rollback.refused);
      await s.run(o.steps);
      if (o.refusal) throw new AgentError(o.refusal.code, o.refusal.refused);
      const onTrial = mode.kind === 'trial';
      const rolledBack = o.rollback && 'target' in o.rollback ? `rolled back to slot ${o.rollback.target} (boots next; nothing was rebooted)` : o.rollback ? 'no automatic rollback: the fallback is not the verified release' : null;
      const version = s.state.history.attempts.at(-1)?.toVersion ?? '?';
      const summary = ok
        ? `healthy${o.markGood ? (onTrial ? `: slot ${o.markGood} marked good; the update to ${version} succeeded` : `: slot ${o.markGood} marked good (a GRUB script that is not ours reset it at boot)`) : ''}`
        : `unhealthy${onTrial ? ` (${o.failures} consecutive failure${o.failures > 1 ? 's' : ''} on trial)` : ''}${rolledBack ? `; ${rolledBack}` : ''}`;
      ctx.out(ctx.json
        ? JSON.stringify({ ok, on_trial: onTrial, marked_good: o.markGood !== null, consecutive_failures: ok ? 0 : o.failures, rolled_back: o.rollback !== null && 'target' in o.rollback, checks: results })
        : `${report(results)}\n${summary}`);
      return ok ? EXIT.OK : EXIT.FAILED;
    });
  },
};
