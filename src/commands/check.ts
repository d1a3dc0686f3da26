import { slotStore } from '../boot/facts.js';
import { readBootedSlot } from '../boot/bootFacts.js';
import { slotVersion } from '../boot/slots.js';
import { loadConfig, setting, type Config } from '../config/load.js';
import { evaluateGates, goArch, type GateResult } from '../domain/gates.js';
import { AgentError, usage } from '../errors.js';
import { fetchRelease, loadPublicKey } from '../update/fetchRelease.js';
import type { Release } from '../update/metadata.js';
import { compareVersions } from '../update/version.js';
import type { CliContext, Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';
import type { Loaded } from '../persist/store.js';
import { withWriter } from './openLog.js';

/** The version running now: the booted slot's version file, else what the log recorded for it. */
export async function currentVersion(ctx: CliContext, state: Loaded): Promise<string | null> {
  const booted = readBootedSlot(ctx.paths.cmdline);
  if (!booted) return null;
  try {
    const v = await slotVersion(slotStore(ctx), booted);
    if (v) return v;
  } catch { /* fall back to the log */ }
  return state.projections.node.slots[booted].version;
}

/** What check and apply both read first: update.conf and flags, the server, the key, the idle timeout. */
export function updateSettings(ctx: CliContext, values: Record<string, unknown>) {
  const conf = loadConfig(ctx.paths.conf, values);
  for (const w of conf.warnings) ctx.warn(`warning: ${w}`);
  const server = setting<string | null>(conf, 'server');
  if (!server) throw usage(`no update server: set server= in ${ctx.paths.conf} or pass --server URL`);
  const key = loadPublicKey(setting<string | null>(conf, 'pubkey'));
  return { conf, server, key, idleMs: setting<number>(conf, 'http_timeout') * 1000 };
}

/** The gates of a release for this node, as check reports them and apply enforces them. */
export function gatesFor(r: Release, conf: Config, values: Record<string, unknown>, current: string | null, state: Loaded): GateResult[] {
  return evaluateGates(r, {
    current, channel: setting<string | null>(conf, 'channel'), arch: goArch(process.arch),
    allowDowngrade: setting<number>(conf, 'allow_downgrade') === 1, allowRejected: values['allow-rejected'] === true,
    rejected: state.projections.lifecycle.rejected,
  });
}

export const check: Command = {
  name: 'check',
  summary: 'ask the update server what is available, and whether apply would take it',
  usage: 'check [--server URL] [--channel C] [--pubkey FILE] [--http-timeout S] [--allow-downgrade] [--allow-rejected]',
  help: `Fetches <server>/latest.json, validates it, authenticates it when a public key is configured,
and reports the running version, the offered one, its release notes and each gate apply would
check (channel, architecture, minimum compatible version, downgrade, rejected). Records an
UpdateChecked event. A passive query: it never counts as an attempt.

Exit codes: 0 whether or not an update is available · 1 the server or the metadata failed
(recorded as UpdateChecked with the error) · 2 no server configured, bad flag · 75 busy.`,
  options: { ...CONFIG_OPTIONS, 'allow-rejected': { type: 'boolean' } },
  async run({ values }, ctx) {
    const { conf, server, key, idleMs } = updateSettings(ctx, values);
    if (!key) ctx.warn('warning: no public key configured (pubkey=): the authenticity of updates is not checked');
    return withWriter(ctx, async (log, state) => {
      const current = await currentVersion(ctx, state);
      let fetched;
      try {
        fetched = await fetchRelease(server, key, idleMs);
      } catch (err) {
        const error = (err as Error).message;
        await log.append([{ type: 'UpdateChecked', data: { current: current ?? '', available: false, error } }]);
        throw err instanceof AgentError ? err : new AgentError('FAILED', error);
      }
      const r = fetched.release;
      const cmp = current === null ? 1 : compareVersions(r.version, current);
      const available = cmp !== null && cmp > 0;
      const gates = gatesFor(r, conf, values, current, state);
      await log.append([{ type: 'UpdateChecked', data: { current: current ?? '', latest: r.version, available } }]);
      const wouldApply = available && gates.every((g) => g.ok);
      if (ctx.json) {
        ctx.out(JSON.stringify({ current, latest: r.version, available, would_apply: wouldApply, signed: fetched.signed, release_notes: r.releaseNotes, release_date: r.releaseDate, gates }));
      } else {
        const lines = [`running:   ${current ?? 'unknown'}`, `offered:   ${r.version}${r.releaseDate ? ` (${r.releaseDate})` : ''}${fetched.signed ? ', signature verified' : ''}`];
        lines.push(available ? 'an update is available' : cmp === 0 ? 'already up to date' : 'no newer version');
        for (const g of gates) lines.push(`  ${g.ok ? 'ok  ' : 'STOP'} ${g.gate}${g.reason && !g.ok ? `: ${g.reason}` : ''}`);
        if (r.releaseNotes) lines.push('', r.releaseNotes);
        ctx.out(lines.join('\n'));
      }
      return 0;
    });
  },
};
