/**
 * The CLI run in this process (src/main.ts with captured streams): what the model-based test
 * uses for most steps, since spawning Node costs more than the step. Same argv, same exit codes,
 * same output as the binary; crash points and SIGKILL need the real process (test/helpers/cli.ts).
 */
import { main } from '../../src/main.js';
import type { CliResult } from './cli.js';

class Died extends Error {
  constructor(readonly code: number) {
    super(`the command ended the process with exit ${code}`);
  }
}

export async function ksuInProcess(args: string[]): Promise<CliResult> {
  let stdout = '', stderr = '';
  const code = await main(args, {
    stdout: (t) => { stdout += t; },
    stderr: (t) => { stderr += t; },
    exit: (c) => { throw new Died(c); },
  });
  return { code, signal: null, stdout, stderr };
}
