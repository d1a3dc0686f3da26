/** A child that takes the writer lock, says "ready", and holds it until SIGTERM or stdin closes. */
import { writeSync } from 'node:fs';
import { EventLog } from '../../events/log.js';

const [dataDir, command] = process.argv.slice(2);
const log = await EventLog.open(dataDir, { writer: true, command: command ?? 'holdLock' });
writeSync(1, `ready ${process.pid}\n`);
const done = async () => { await log.close(); process.exit(0); };
process.on('SIGTERM', done);
process.stdin.on('end', done);
process.stdin.resume();
