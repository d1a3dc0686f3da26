#!/usr/bin/env node
/** The kubesolo-update binary: runs main on this process's argv and sets its exit code. */
import { EXIT } from './errors.js';
import { main } from './main.js';

const PROG = 'kubesolo-update';

// A reader piped into `head` must end quietly, not with an EPIPE stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`${PROG}: internal error (please report): ${(err as Error)?.message ?? err}\n`);
    process.exitCode = EXIT.FAILED;
  },
);

