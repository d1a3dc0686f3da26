/** The shape every CLI command has; cli.ts registers them in one table. */
import type { ParseArgsConfig } from 'node:util';
import type { Paths } from '../paths.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliContext {
  paths: Paths;
  json: boolean;
  debug: boolean;
  /** --wait, in ms: how long a writer waits for the lock. */
  waitMs: number;
  /** --slots: where the slots are (default: directories under --root, partitions otherwise). */
  slots?: 'dir' | 'partitions';
  /** This invocation as typed, for the lock's owner file. */
  invocation: string;
  out(text: string): void;
  warn(text: string): void;
  /** Ends the process at once with `code` after `message` (lock lost, fail-stop): never from a command's normal path. */
  die(code: number, message: string): never;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Text after the usage line in `--help`: what it does, its flags, exit codes, an example. */
  help: string;
  options: OptionSpec;
  run(args: { values: Record<string, unknown>; positionals: string[] }, ctx: CliContext): Promise<number>;
}
