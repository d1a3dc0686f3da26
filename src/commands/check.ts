import { systemClock } from '../../events/systemClock.js';
import { asIsoTime } from '../../projections/isoTime.js';
import { currentVersion, gatesOf } from '../domain/apply.js';
import { acceptedSerial, highestSerial, judgeAuthenticity } from '../domain/authenticity.js';
import { compareVersions } from '../domain/version.js';
import { AgentError } from '../errors.js';
import { gatherFacts, withSlots } from '../session/facts.js';
import { readProjections } from '../session/readers.js';
import { withSession } from '../session/writer.js';
import { fetchOffer, type Offer } from '../update/fetchOffer.js';
import type { Command } from './command.js';
import { CONFIG_OPTIONS } from './config.js';
import { updateSettings } from './updateSettings.js';

export const check: Command = {
  name: 'check',
  usage: 'check [--server URL] [--channel C] [--pubkey FILE] [--http-timeout S] [--allow-downgrade] [--allow-rejected]',
  help: `Fetches <server>/latest.json, validates it, authenticates it when a public key is configured
(unsigned metadata then fails), and reports the running version, the offered one, its release
notes and each gate apply would check (channel, architecture, minimum compatible version,
downgrade, rejected). Records an UpdateChecked event. A passive query: it never counts as an
attempt, and it takes the writer lock only to record its event, never while on the network.

Exit codes: 0 whether or not an update is available · 1 the server or the metadata failed
(recorded as UpdateChecked with the error) · 2 no server configured, bad flag · 75 busy.`,
  options: { ...CONFIG_OPTIONS, 'allow-rejected': { type: 'boolean' } },
  async run({ values }, ctx) {
    const { source, key, gates, allowLegacy, idleMs } = updateSettings(ctx, values);
    // Without the lock: a slow server must not block a rollback (safety rule: no lock on the network).
    const current = currentVersion(readProjections(ctx).projections, await withSlots(gatherFacts(ctx.paths, systemClock()), ctx.paths, ctx.slots, { versions: true }));
    let fetched: Offer | null = null;
    let failure: AgentError | null = null;
    try {
      fetched = await fetchOffer(source, key, idleMs, gates.arch);
    } catch (err) {
      failure = err instanceof AgentError ? err : new AgentError('FAILED', (err as Error).message);
    }
    return withSession(ctx, async (s) => {
      if (!fetched) {
        await s.append([{ type: 'UpdateChecked', data: { current: current ?? '', available: false, error: failure!.message } }]);
        throw failure!;
      }
      const r = fetched.release;
      const released = r.releaseDate === null ? null : asIsoTime(r.releaseDate);
      const offer = { release: r, url: fetched.url, signed: fetched.signed, statement: fetched.statement, keyConfigured: key !== null };
      const unsigned = judgeAuthenticity(offer, { now: s.facts.now, highestSerial: highestSerial(s.state.node, fetched.statement), allowLegacy }, current);
      if (unsigned) return s.refuse(unsigned);
      const cmp = current === null ? 1 : compareVersions(r.version, current);
      const available = cmp !== null && cmp > 0;
      const results = gatesOf(s.state, r, current, gates);
      await s.append([{ type: 'UpdateChecked', data: { current: current ?? '', latest: r.version, available, ...acceptedSerial(offer) } }]);
      const wouldApply = available && results.every((g) => g.ok);
      if (ctx.json) {
        ctx.out(JSON.stringify({ current, latest: r.version, available, would_apply: wouldApply, signed: fetched.signed, serial: fetched.statement?.serial ?? null, release_notes: r.releaseNotes, release_date: released, gates: results }));
      } else {
        const lines = [`running:   ${current ?? 'unknown'}`, `offered:   ${r.version}${released ? ` (${released})` : ''}${fetched.statement ? `, signed statement verified (serial ${fetched.statement.serial})` : fetched.signed ? ', signature verified' : ''}`];
        lines.push(available ? 'an update is available' : cmp === 0 ? 'already up to date' : 'no newer version');
        for (const g of results) lines.push(`  ${g.ok ? 'ok  ' : 'STOP'} ${g.gate}${g.reason && !g.ok ? `: ${g.reason}` : ''}`);
        if (r.releaseNotes) lines.push('', r.releaseNotes);
        ctx.out(lines.join('\n'));
      }
      return 0;
    });
  },
};
