/**
 * Runs the real CLI as a child process (this Node, dist/src/cli.js), the way an operator or a
 * systemd unit would: every step of the demo is a separate process, so each one opens the log,
 * reconciles and exits like on a node.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const CLI_JS = fileURLToPath(new URL('../cli.js', import.meta.url));

export interface Ran { code: number; stdout: string; stderr: string }

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Sees each stdout line as it arrives (apply's --progress json), before the process ends. */
  onLine?: (line: string) => void;
}

export function runCli(args: string[], o: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_JS, ...args], { cwd: o.cwd, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!o.onLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) o.onLine(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (partial && o.onLine) o.onLine(partial);
      // As a shell reports it: 128 + the signal's number.
      if (signal) resolve({ code: 128 + (constants.signals[signal] ?? 0), stdout, stderr: `${stderr}killed by ${signal}\n` });
      else resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}
