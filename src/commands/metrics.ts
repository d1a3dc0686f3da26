import { metricFamilies } from '../../projections/metrics.js';
import { registryOf } from '../../projections/metricsRegistry.js';
import { statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AgentError, usage } from '../errors.js';
import { atomicWrite } from '../persist/atomicWrite.js';
import type { Command } from './command.js';
import { logFacts, readProjections } from '../session/readers.js';

const statOf = (p: string): Stats | null => { try { return statSync(p); } catch { return null; } };

/**
 * Where --textfile writes: a file in a directory that exists. A directory, or a missing one, is a
 * usage error (exit 2): it is not created, since node_exporter reads only its own directory.
 */
function textfileTarget(raw: string): string {
  const path = resolve(raw);
  if (statOf(path)?.isDirectory()) throw usage(`--textfile ${raw} is a directory; name a file in it, e.g. --textfile ${join(raw, 'kubesolo_update.prom')}`);
  const dir = statOf(dirname(path));
  if (!dir) throw usage(`--textfile ${raw}: the directory ${dirname(path)} does not exist (it is not created: point --textfile into node_exporter's textfile directory)`);
  if (!dir.isDirectory()) throw usage(`--textfile ${raw}: ${dirname(path)} is not a directory`);
  return path;
}

export const metrics: Command = {
  name: 'metrics',
  usage: 'metrics [--textfile PATH]',
  help: `Prints the metrics exposition (Prometheus text format 0.0.4), built from the log: the
upstream series kubesolo_update_phase{phase}, kubesolo_update_attempts_total and
kubesolo_update_last_attempt_timestamp_seconds, plus history-derived counters that survive
restarts (outcomes, rollbacks by cause, health-check failures, events by type, log size).

  --textfile PATH   write it atomically to PATH instead (node_exporter's textfile collector reads
                    *.prom files from its directory), e.g.
                    --textfile /var/lib/node_exporter/textfile_collector/kubesolo_update.prom

Reads the log only; writes nothing but PATH (no temporary file is left, also on failure).

Exit codes: 0 · 1 PATH could not be written · 2 PATH is a directory, or its directory does not
exist (it is never created).`,
  options: { textfile: { type: 'string' } },
  async run({ values }, ctx) {
    const target = typeof values.textfile === 'string' ? textfileTarget(values.textfile) : null;
    if (target && !target.endsWith('.prom')) ctx.warn(`warning: node_exporter's textfile collector reads only *.prom files, not ${values.textfile}`);
    const loaded = readProjections(ctx);
    const text = await registryOf(metricFamilies(loaded.projections, logFacts(ctx, loaded))).metrics();
    if (!target) { process.stdout.write(text); return 0; }
    try {
      atomicWrite(target, text, { createDir: false });
    } catch (err) {
      throw new AgentError('FAILED', `cannot write --textfile ${values.textfile}: ${(err as Error).message}`);
    }
    return 0;
  },
};
