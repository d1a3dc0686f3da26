/**
 * argv → command: parsing, help, and the one place errors become a line and an exit code.
 * Errors: one line on stderr, `kubesolo-update: <command>: <what failed>: <why>`; a stack
 * trace only with --debug; with --json also {"error":{"code","message"}} on stdout.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import type { CliContext, Command, OptionSpec } from './commands/command.js';
import { COMMANDS, type CommandEntry } from './commands/index.js';
import { EXIT, codeOf, exitCodeOf, usage } from './errors.js';
import { resolvePaths } from './paths.js';
import type { SignalHold } from './signals.js';

const PROG = 'kubesolo-update';

const GLOBAL: OptionSpec = {
  'data-dir': { type: 'string' },
  root: { type: 'string' },
  state: { type: 'string' },
  conf: { type: 'string' },
  grubenv: { type: 'string' },
  json: { type: 'boolean' },
  debug: { type: 'boolean' },
  wait: { type: 'string' },
  slots: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function mainHelp(): string {
  const width = Math.max(...[...COMMANDS, ...BUILTINS].map((c) => c.name.length));
  return `${PROG} — event-sourced A/B OS update agent for KubeSolo OS

Usage: ${PROG} [global flags] <command> [flags]     (flags may also follow the command)

Commands:
${[...COMMANDS, ...BUILTINS].map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Global flags:
  --data-dir DIR  event log and state (default /var/lib/kubesolo/update)
  --root DIR      re-root every default path into DIR (a sandbox: DIR/var/lib/kubesolo/update, …)
  --state PATH    state.json (default <data-dir>/state.json)
  --conf PATH     update.conf (default /etc/kubesolo/update.conf)
  --grubenv PATH  GRUB environment block (default /boot/grub/grubenv)
  --wait SECONDS  writers wait this long for another writer's lock (default 0: fail at once, exit 75)
  --slots KIND    dir (DIR/slots/A|B, the default under --root) or partitions (labels KSOLOA/KSOLOB)
  --json          machine-readable output on stdout
  --debug         stack traces with errors
  -h, --help      this text; '${PROG} <command> --help' for one command

Exit codes: 0 ok · 1 failed · 2 usage or configuration error · 3 refused ·
            74 I/O error on the log · 75 busy (another writer holds the lock, or it was lost) ·
            130/143 stopped by SIGINT/SIGTERM (a writer finishes the step in progress first)

Try it in a sandbox:
  ${PROG} --root /tmp/ks note "first note"
  ${PROG} --root /tmp/ks events`;
}

/** help and version: answered here, without a command module. */
const BUILTINS = [
  { name: 'help', summary: "this text; 'help COMMAND' for one command (like COMMAND --help)" },
  { name: 'version', summary: 'the version of kubesolo-update (like --version)' },
];

function commandHelp(c: Command): string {
  return `Usage: ${PROG} [global flags] ${c.usage}\n\n${c.help}\n\nGlobal flags: see '${PROG} --help'.`;
}

/** `help [COMMAND]`: the main text, or one command's. */
async function helpFor(topic: string[]): Promise<string> {
  if (topic.length > 1) throw usage(`unexpected argument ${JSON.stringify(topic[1])}; see '${PROG} help'`);
  const [name] = topic;
  if (name === undefined || name === 'help') return mainHelp();
  if (name === 'version') return `Usage: ${PROG} version\n\nPrints the version of ${PROG} (the same as --version).`;
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw usage(`unknown command ${JSON.stringify(name)}; see '${PROG} --help'`);
  return commandHelp(await c.load());
}

/** A number parseArgs would read as a flag: `--limit -1`. */
const NEGATIVE = /^-\.?\d/;

/**
 * `--flag -1` → `--flag=-1` for flags that take a value, so a negative number reaches the flag's
 * own check, which says what it takes, instead of Node's "argument is ambiguous".
 */
function joinNegativeValues(argv: string[], options: OptionSpec): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const takesValue = a.startsWith('--') && !a.includes('=') && options[a.slice(2)]?.type === 'string';
    if (takesValue && NEGATIVE.test(argv[i + 1] ?? '')) out.push(`${a}=${argv[++i]}`);
    else out.push(a);
  }
  return out;
}

function parseWait(raw: unknown): number {
  if (raw === undefined) return 0;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) throw usage(`--wait takes seconds (0 or more), not ${JSON.stringify(raw)}`);
  return Math.round(s * 1000);
}

function parseSlots(raw: unknown): 'dir' | 'partitions' | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'dir' || raw === 'partitions') return raw;
  throw usage(`--slots takes dir or partitions, not ${JSON.stringify(raw)}`);
}

/** The command named in argv: the first word that is neither a flag nor a global flag's value. */
function findCommand(argv: string[]): CommandEntry | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      const name = a.replace(/^--?/, '');
      if (!a.includes('=') && GLOBAL[name]?.type === 'string') i++;
      continue;
    }
    return COMMANDS.find((c) => c.name === a);
  }
  return undefined;
}

/** Where a run writes, and how it ends at once: the process's own streams, or a test's. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Ends the run at once (lock lost, fail-stop). */
  exit(code: number): never;
  /** The process's SIGINT/SIGTERM, which writers hold across each step (the binary's; none in-process). */
  signals?: SignalHold;
}

export const processIo: Io = {
  stdout: (text) => { process.stdout.write(text); },
  stderr: (text) => { process.stderr.write(text); },
  exit: (code) => process.exit(code),
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  // Usage errors name the command as soon as there is one, parse errors included.
  const named = findCommand(argv);
  let commandName = named?.name ?? '';
  const fail = (err: unknown): number => {
    const code = codeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    const where = commandName ? `${PROG}: ${commandName}: ` : `${PROG}: `;
    io.stderr(`${where}${code === 'INTERNAL' ? `internal error (please report): ${message}` : message}\n`);
    if (debug && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    if (json) io.stdout(`${JSON.stringify({ error: { code, message } })}\n`);
    return exitCodeOf(err);
  };
  try {
    let parsed;
    // A command's own flags win over global ones of the same name (release --version V).
    // Only the named command's module is loaded: its options are needed to parse argv at all.
    const options: OptionSpec = { ...GLOBAL, ...((await named?.load())?.options ?? {}) };
    try {
      parsed = parseArgs({ args: joinNegativeValues(argv, options), options, allowPositionals: true, strict: true });
    } catch (err) {
      // Node's parser explains itself over several lines; an operator needs the first.
      throw usage(`${(err as Error).message.split('\n')[0].replace(/\. To specify .*$/, '').replace(/\.$/, '')}; see '${PROG}${named ? ` ${named.name}` : ''} --help'`);
    }
    const { values, positionals } = parsed;
    const [name, ...rest] = positionals;
    if (name === 'help' || name === 'version') commandName = name;
    if (name === 'help') { io.stdout(`${await helpFor(rest)}\n`); return EXIT.OK; }
    if (name === 'version' && rest.length > 0) throw usage(`unexpected argument ${JSON.stringify(rest[0])}; see '${PROG} help'`);
    if (values.version === true || name === 'version') { io.stdout(`${version()}\n`); return EXIT.OK; }
    if (!name) {
      if (values.help) { io.stdout(`${mainHelp()}\n`); return EXIT.OK; }
      throw usage(`no command given; see '${PROG} --help'`);
    }
    const entry = COMMANDS.find((c) => c.name === name);
    if (!entry) throw usage(`unknown command ${JSON.stringify(name)}; see '${PROG} --help'`);
    const command = await entry.load();
    commandName = command.name;
    if (values.help) { io.stdout(`${commandHelp(command)}\n`); return EXIT.OK; }
    const allowed = command.positionals ?? 0;
    if (rest.length > allowed) throw usage(`unexpected argument ${JSON.stringify(rest[allowed])}; see '${PROG} ${command.name} --help'`);
    const ctx: CliContext = {
      paths: resolvePaths({
        root: values.root as string | undefined, dataDir: values['data-dir'] as string | undefined,
        state: values.state as string | undefined, conf: values.conf as string | undefined, grubenv: values.grubenv as string | undefined,
      }),
      json, debug,
      waitMs: parseWait(values.wait),
      slots: parseSlots(values.slots),
      invocation: [PROG, ...argv].join(' '),
      signals: io.signals,
      out: (text) => { io.stdout(`${text}\n`); },
      warn: (text) => { io.stderr(`${PROG}: ${command.name}: ${text}\n`); },
      die: (code, message) => {
        io.stderr(`${PROG}: ${command.name}: ${message}\n`);
        return io.exit(code);
      },
    };
    return await command.run({ values, positionals: rest }, ctx);
  } catch (err) {
    return fail(err);
  }
}

