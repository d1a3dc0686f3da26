import { metricFamilies } from '../../projections/metrics.js';
import { registryOf } from '../../projections/metricsRegistry.js';
import { atomicWrite } from '../persist/atomicWrite.js';
import type { Command } from './command.js';
import { logFacts, readProjections } from '../session/readers.js';

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

Reads the log only; writes nothing but PATH.`,
  options: { textfile: { type: 'string' } },
  async run({ values }, ctx) {
    const loaded = readProjections(ctx);
    const text = await registryOf(metricFamilies(loaded.projections, logFacts(ctx, loaded))).metrics();
    if (typeof values.textfile === 'string') atomicWrite(values.textfile, text);
    else process.stdout.write(text);
    return 0;
  },
};
