/** What every demo step works with: the node's sandbox, the printer, the bootloader. */
import type { Bootloader } from './bootloader.js';
import type { Printer } from './printer.js';
import { runCli, type Ran, type RunOptions } from './runCli.js';

export interface Demo {
  /** The node's --root sandbox (absolute). */
  root: string;
  /** Where the CLI runs: the demo's directory. */
  cwd: string;
  print: Printer;
  loader: Bootloader;
  /** Whether progress may be redrawn in place. */
  tty: boolean;
  /** Extra environment of every CLI process (no kubeconfig: nothing reaches a real cluster). */
  env: NodeJS.ProcessEnv;
}

/** `kubesolo-update --root <sandbox> …` as a child process. */
export function ksu(d: Demo, args: string[], o: RunOptions = {}): Promise<Ran> {
  return runCli(['--root', d.root, ...args], { env: d.env, cwd: d.cwd, ...o });
}
