#!/usr/bin/env node
/** The kubesolo-update binary: runs main on this process's argv and sets its exit code. */
import { EXIT } from './errors.js';
import { main, processIo } from './main.js';
import { processSignals } from './signals.js';

const PROG = 'kubesolo-update';

// A reader piped into `head` must end quietly, not with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

// SIGINT/SIGTERM: writers hold them across each step, then stop (src/signals.ts).
main(process.argv.slice(2), { ...processIo, signals: processSignals() }).then(
  (code) => {
    process.exitCode = code;
    // Stopped by a signal, with its events recorded and the lock released: work it abandoned (a
    // request in flight, a health check's timers) must not keep the process alive. A check's
    // process group is killed on exit.
    if (code === EXIT.SIGINT || code === EXIT.SIGTERM) process.exit(code);
  },
  (err) => {
    process.stderr.write(`${PROG}: internal error (please report): ${(err as Error)?.message ?? err}\n`);
    process.exitCode = EXIT.FAILED;
  },
);
