/**
 * A child process for crash and stream tests: opens the log as the writer and appends batches
 * forever (or COUNT of them), printing "acked FIRST LAST" only after each append resolved.
 * argv: dataDir segmentBytes [count] [seed]
 */
import { writeSync } from 'node:fs';
import { EventLog } from '../../events/log.js';
import type { NewEvent } from '../../events/types.js';

const [dataDir, segmentBytes, countArg, seedArg] = process.argv.slice(2);
const count = countArg ? Number(countArg) : Infinity;
let seed = Number(seedArg ?? process.pid);
const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

const log = await EventLog.open(dataDir, { writer: true, waitMs: 60_000, segmentBytes: Number(segmentBytes), command: 'appender' });
writeSync(1, `ready ${log.lastSeq}\n`);
for (let i = 0; i < count; i++) {
  const n = 1 + Math.floor(rnd() * 4);
  const events: NewEvent[] = [];
  for (let k = 0; k < n; k++) events.push({ type: 'OperatorNote', data: { text: `p${process.pid}-${i}-${k}`.padEnd(Math.floor(rnd() * 200), '.') } });
  const { firstSeq, lastSeq } = await log.append(events);
  writeSync(1, `acked ${firstSeq} ${lastSeq}\n`);
}
await log.close();
