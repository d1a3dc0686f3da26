/** The shape every CLI command has; commands/index.ts lists them (name, summary, loader). */
import type { ParseArgsConfig } from 'node:util';
import type { SessionEnv } from '../session/writer.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a command gets from cli.ts: the writer session's environment, output, and --json/--debug. */
export interface CliContext extends SessionEnv {
  json: boolean;
  debug: boolean;
  out(text: string): void;
}

export interface Command {
  name: string;
  usage: string;
  /** Text after the usage line in `--help`: what it does, its flags, exit codes, an example. */
  help: string;
  options: OptionSpec;
  /** How many positional arguments may follow the name (default none); more are refused, exit 2. */
  positionals?: number;
  run(args: { values: Record<string, unknown>; positionals: string[] }, ctx: CliContext): Promise<number>;
}
