/**
 * How the demo talks to the operator: numbered steps in plain words, the command each one runs
 * (as `kubesolo-update …`, the --root flag left out), and that command's output, indented.
 */
import type { Ran } from './runCli.js';

const INDENT = '     ';

function shellWord(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

export class Printer {
  private n = 0;
  private name = '';

  constructor(private readonly write: (text: string) => void) {}

  /** Where the demo is, for a message saying which step did not go as expected. */
  get where(): string {
    return this.n === 0 ? 'setup' : `step ${this.n} (${this.name})`;
  }

  /** "== 3. activate: GRUB will boot slot B next, on trial (3 tries)"; the words before ':' name the step. */
  step(title: string): void {
    this.n++;
    this.name = title.split(':')[0];
    this.write(`\n== ${this.n}. ${title}\n`);
  }

  line(text: string): void {
    this.write(`${text}\n`);
  }

  /** A line under the step, indented like command output. */
  detail(text: string): void {
    this.write(`${INDENT}${text}\n`);
  }

  command(args: string[]): void {
    this.write(`   $ kubesolo-update ${args.map(shellWord).join(' ')}\n`);
  }

  /** A command's stdout (minus `skip`ped lines) and stderr, indented; exit code when it is not 0. */
  output(r: Ran, skip: (line: string) => boolean = () => false): void {
    const text = (t: string) => (t.trimEnd() ? t.trimEnd().split('\n') : []);
    const lines = [...text(r.stdout).filter((l) => !skip(l)), ...text(r.stderr)].map((l) => l.trimEnd());
    for (const l of lines) this.write(l ? `${INDENT}${l}\n` : '\n');
    if (r.code !== 0) this.write(`${INDENT}(exit ${r.code})\n`);
  }

  /** A line drawn over itself on a terminal (\r), ended by `endRedraw`. */
  redraw(text: string): void {
    this.write(`\r${INDENT}${text}\x1b[K`);
  }

  endRedraw(): void {
    this.write('\n');
  }
}
