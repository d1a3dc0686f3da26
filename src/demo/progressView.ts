/**
 * apply's `--progress json` lines, as the demo shows them: redrawn in place on a terminal, else
 * one line per artifact once it is complete (a log stays short).
 */
import type { Printer } from './printer.js';

interface ProgressLine { artifact: string; bytes: number; total: number | null }

function parse(line: string): ProgressLine | null {
  if (!line.startsWith('{')) return null;
  try {
    const p = JSON.parse(line) as Partial<ProgressLine>;
    return typeof p.artifact === 'string' && typeof p.bytes === 'number' ? { artifact: p.artifact, bytes: p.bytes, total: p.total ?? null } : null;
  } catch {
    return null;
  }
}

const kib = (n: number) => `${Math.round(n / 1024).toLocaleString('en')} KiB`;

export class ProgressView {
  private drawing = false;

  constructor(private readonly print: Printer, private readonly tty: boolean) {}

  /** True when `line` was a progress line (shown here, so not again with the command's output). */
  static isProgress(line: string): boolean {
    return parse(line) !== null;
  }

  show(line: string): void {
    const p = parse(line);
    if (!p) return;
    const done = p.total !== null && p.bytes >= p.total;
    const text = `${p.artifact.padEnd(15)} ${kib(p.bytes)}${p.total !== null ? ` of ${kib(p.total)} (${Math.floor((p.bytes / Math.max(1, p.total)) * 100)} %)` : ''}`;
    if (this.tty) {
      this.print.redraw(text);
      this.drawing = true;
      if (done) this.end();
    } else if (done) {
      this.print.detail(text);
    }
  }

  end(): void {
    if (this.drawing) this.print.endRedraw();
    this.drawing = false;
  }
}
